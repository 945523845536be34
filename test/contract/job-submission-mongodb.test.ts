import { describeWithMongo, mongoStoreFactory } from '../helpers/ferretdb';
import { jobSubmissionContract } from './job-submission.contract';

jest.setTimeout(120_000);

describeWithMongo()('MongoDB store: submissions', () => {
  jobSubmissionContract('mongodb', mongoStoreFactory());
});
