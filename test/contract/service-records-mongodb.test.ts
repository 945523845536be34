import { describeWithMongo, mongoStoreFactory } from '../helpers/ferretdb';
import { adminRecordsContract } from './admin-records.contract';
import { serviceRecordsContract } from './service-records.contract';

jest.setTimeout(120_000);

// One FerretDB for both small record contracts: starting one costs more than the tests.
describeWithMongo()('MongoDB store', () => {
  const open = mongoStoreFactory();
  serviceRecordsContract('mongodb', open);
  adminRecordsContract('mongodb', open);
});
