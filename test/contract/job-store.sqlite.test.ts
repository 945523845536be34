import { sqliteStores } from '../helpers/sqlite-stores';
import { jobStoreContract } from './job-store.contract';

describe('JobStore contract: SQLite', () => {
  jobStoreContract(sqliteStores('damson-sqlite-'));
});
