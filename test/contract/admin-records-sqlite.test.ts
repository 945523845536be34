import { sqliteStores } from '../helpers/sqlite-stores';
import { adminRecordsContract } from './admin-records.contract';

adminRecordsContract('sqlite', sqliteStores().open);
