import { MongoClient } from 'mongodb';
import type { JobStore } from '../../src/store/job-store';
import { MongoJobStore } from '../../src/store/mongodb/mongo-job-store';
import { describeWithMongo, mongoStoreFactory } from '../helpers/ferretdb';
import { jobOwnersContract } from './job-owners.contract';

jest.setTimeout(120_000);

const databases = new Map<JobStore, string>();

describeWithMongo()('Job owners contract: MongoDB', () => {
  const factory = mongoStoreFactory();
  jobOwnersContract({
    async open() {
      const database = factory.database();
      const store = new MongoJobStore({ url: factory.url(), database });
      databases.set(store, database);
      return store;
    },
    // Its database is dropped with the suite's others.
    dispose: (store) => store.close(),
    // Documents from before owners: no owner field on jobs or on their claim-queue entries.
    async forgetOwners(store) {
      const client = new MongoClient(factory.url());
      try {
        const db = client.db(databases.get(store)!);
        await db.collection('jobs').updateMany({}, { $unset: { owner: '' } });
        await db.collection('claim_queue').updateMany({}, { $unset: { owner: '' } });
        const left = await db.collection('jobs').countDocuments({ owner: { $exists: true } });
        if (left !== 0) throw new Error('owner fields are still there');
      } finally {
        await client.close();
      }
      return store;
    },
  });
});
