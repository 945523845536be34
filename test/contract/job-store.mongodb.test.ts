import { MongoClient } from 'mongodb';
import { JOB_INDEXES, UPLOAD_INDEXES } from '../../src/store/mongodb/indexes';
import { MongoJobStore } from '../../src/store/mongodb/mongo-job-store';
import type { JobStore } from '../../src/store/job-store';
import {
  describeWithMongo,
  startMongoServer,
  uniqueDatabaseName,
  type MongoServer,
} from '../helpers/ferretdb';
import { jobStoreContract } from './job-store.contract';

jest.setTimeout(120_000);

let server: MongoServer;
let admin: MongoClient;
const databases = new Map<JobStore, string>();

describeWithMongo()('JobStore contract: MongoDB', () => {
  beforeAll(async () => {
    server = await startMongoServer();
    admin = new MongoClient(server.url);
  });
  afterAll(async () => {
    await admin?.close();
    await server?.dispose();
  });

  it('creates an index for every query on first use, and again without harm', async () => {
    const database = uniqueDatabaseName();
    for (let i = 0; i < 2; i++) {
      const store = new MongoJobStore({ url: server.url, database });
      await store.ping();
      await store.close();
    }
    const names = async (collection: string): Promise<string[]> =>
      (await admin.db(database).collection(collection).listIndexes().toArray()).map(
        (index) => index.name as string,
      );
    expect(await names('jobs')).toEqual(
      expect.arrayContaining(JOB_INDEXES.map((index) => index.name)),
    );
    expect(await names('uploads')).toEqual(
      expect.arrayContaining(UPLOAD_INDEXES.map((index) => index.name)),
    );
    await admin.db(database).dropDatabase();
  });

  jobStoreContract({
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
