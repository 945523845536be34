import { sqliteStores } from '../helpers/sqlite-stores';
import { operationsRecordsContract } from './operations-records.contract';

describe('Operations records contract: SQLite', () => {
  operationsRecordsContract(sqliteStores('damson-operations-'));
});
