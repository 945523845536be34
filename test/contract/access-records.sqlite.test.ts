import { sqliteStores } from '../helpers/sqlite-stores';
import { accessRecordsContract } from './access-records.contract';

describe('Access records contract: SQLite', () => {
  accessRecordsContract(sqliteStores('damson-access-'));
});
