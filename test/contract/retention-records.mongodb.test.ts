import { MongoClient } from 'mongodb';
import { MongoJobStore } from '../../src/store/mongodb/mongo-job-store';
import type { JobStore } from '../../src/store/job-store';
import {
  describeWithMongo,
  startMongoServer,
  uniqueDatabaseName,
  type MongoServer,
} from '../helpers/ferretdb';
import { retentionRecordsContract } from './retention-records.contract';

jest.setTimeout(120_000);

let server: MongoServer;
let admin: MongoClient;
const databases = new Map<JobStore, string>();

describeWithMongo()('Retention records contract: MongoDB', () => {
  beforeAll(async () => {
    server = await startMongoServer();
    admin = new MongoClient(server.url);
  });
  afterAll(async () => {
    await admin?.close();
    await server?.dispose();
  });

  retentionRecordsContract({
    async open() {
      const database = uniqueDatabaseName();
      const store = new MongoJobStore({ url: server.url, database });
      databases.set(store, database);
      return store;
    },
    async dispose(store) {
      await store.close();
      await admin.db(databases.get(store)!).dropDatabase();
      databases.delete(store);
    },
  });
});
