import { describeWithMongo, mongoStoreFactory } from '../helpers/ferretdb';
import { adminRecordsContract } from './admin-records.contract';

jest.setTimeout(120_000);

describeWithMongo()('MongoDB store', () => {
  adminRecordsContract('mongodb', mongoStoreFactory());
});
