import { sqliteStores } from '../helpers/sqlite-stores';
import { retentionRecordsContract } from './retention-records.contract';

describe('Retention records contract: SQLite', () => {
  retentionRecordsContract(sqliteStores('damson-retention-'));
});
