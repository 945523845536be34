import { sqliteStores } from '../helpers/sqlite-stores';
import { jobStoreSchedulingContract } from './job-store-scheduling.contract';

const stores = sqliteStores();

jobStoreSchedulingContract('sqlite', stores.open);
