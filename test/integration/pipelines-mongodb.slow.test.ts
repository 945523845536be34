import {
  describeWithMongo,
  startMongoServer,
  uniqueDatabaseName,
  type MongoServer,
} from '../helpers/ferretdb';
import { pipelineSuite } from './pipelines-suite';

/**
 * The pipeline tests on MongoDB (FerretDB): slow only because FerretDB and PostgreSQL start first
 * (about 10 s) and every store operation is a round trip; about 40 s in all. The release and the
 * claim queue's precedence for released steps differ from SQLite's, so they run here for real.
 */
jest.setTimeout(180_000);

let mongo: MongoServer | undefined;

afterAll(async () => {
  await mongo?.dispose();
});

describeWithMongo()('on MongoDB (FerretDB)', () => {
  pipelineSuite(async () => {
    mongo = await startMongoServer();
    return { 'store.url': mongo.url, 'mongodb.database': uniqueDatabaseName('damson_pipelines') };
  });
});
