import { describeWithMongo, mongoStoreFactory } from '../helpers/ferretdb';
import { jobStoryContract } from './job-story.contract';

jest.setTimeout(120_000);

describeWithMongo()('MongoDB store', () => {
  jobStoryContract('mongodb', mongoStoreFactory());
});
