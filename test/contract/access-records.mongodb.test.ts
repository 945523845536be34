import { describeWithMongo, mongoStoreFactory } from '../helpers/ferretdb';
import { accessRecordsContract } from './access-records.contract';

jest.setTimeout(120_000);

describeWithMongo()('Access records contract: MongoDB', () => {
  const openStore = mongoStoreFactory();
  accessRecordsContract({
    open: openStore,
    // Its database is dropped with the suite's others.
    dispose: (store) => store.close(),
  });
});
