import { MongoClient } from 'mongodb';
import { MongoJobStore } from '../../src/store/mongodb/mongo-job-store';
import {
  describeWithMongo,
  startMongoServer,
  uniqueDatabaseName,
  type MongoServer,
} from '../helpers/ferretdb';
import { jobSubmissionContract } from './job-submission.contract';

jest.setTimeout(120_000);

let server: MongoServer;
const databases: string[] = [];

describeWithMongo()('MongoDB store: submissions', () => {
  beforeAll(async () => {
    server = await startMongoServer();
  });
  afterAll(async () => {
    if (server) {
      const client = new MongoClient(server.url);
      for (const name of databases) await client.db(name).dropDatabase();
      await client.close();
      await server.dispose();
    }
  });

  jobSubmissionContract('mongodb', async () => {
    const database = uniqueDatabaseName();
    databases.push(database);
    return new MongoJobStore({ url: server.url, database });
  });
});
