import { describeWithMongo, mongoStoreFactory } from '../helpers/ferretdb';
import { operationsRecordsContract } from './operations-records.contract';

jest.setTimeout(120_000);

describeWithMongo()('Operations records contract: MongoDB', () => {
  const openStore = mongoStoreFactory();
  operationsRecordsContract({
    open: openStore,
    // Its database is dropped with the suite's others.
    dispose: (store) => store.close(),
  });
});
