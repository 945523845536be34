import { describeWithMongo, mongoStoreFactory } from '../helpers/ferretdb';
import { serviceRecordsContract } from './service-records.contract';

jest.setTimeout(120_000);

describeWithMongo()('MongoDB store', () => {
  serviceRecordsContract('mongodb', mongoStoreFactory());
});
