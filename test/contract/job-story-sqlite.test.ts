import { sqliteStores } from '../helpers/sqlite-stores';
import { jobStoryContract } from './job-story.contract';

const stores = sqliteStores();

jobStoryContract('sqlite', stores.open);
