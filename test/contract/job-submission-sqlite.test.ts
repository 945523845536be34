import { sqliteStores } from '../helpers/sqlite-stores';
import { jobSubmissionContract } from './job-submission.contract';

const stores = sqliteStores();

jobSubmissionContract('sqlite', stores.open);
