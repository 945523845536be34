import { describeWithMongo, mongoStoreFactory } from '../helpers/ferretdb';
import { jobStoreSchedulingContract } from './job-store-scheduling.contract';

jest.setTimeout(120_000);

describeWithMongo()('MongoDB store', () => {
  jobStoreSchedulingContract('mongodb', mongoStoreFactory());
});
