import { sqliteStores } from '../helpers/sqlite-stores';
import { serviceRecordsContract } from './service-records.contract';

serviceRecordsContract('sqlite', sqliteStores().open);
