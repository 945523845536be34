import { describeWithMongo, mongoStoreFactory } from '../helpers/ferretdb';
import { retentionRecordsContract } from './retention-records.contract';

jest.setTimeout(120_000);

describeWithMongo()('Retention records contract: MongoDB', () => {
  const openStore = mongoStoreFactory();
  retentionRecordsContract({
    open: openStore,
    // Its database is dropped with the suite's others.
    dispose: (store) => store.close(),
  });
});
