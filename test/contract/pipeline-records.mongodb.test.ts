import { describeWithMongo, mongoStoreFactory } from '../helpers/ferretdb';
import { pipelineRecordsContract } from './pipeline-records.contract';

jest.setTimeout(120_000);

describeWithMongo()('Pipeline records contract: MongoDB', () => {
  const openStore = mongoStoreFactory();
  pipelineRecordsContract({
    open: openStore,
    // Its database is dropped with the suite's others.
    dispose: (store) => store.close(),
  });
});
