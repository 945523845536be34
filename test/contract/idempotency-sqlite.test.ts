import { sqliteStores } from '../helpers/sqlite-stores';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';
import { idempotencyContract } from './idempotency.contract';
import { idempotentSubmissionContract } from './idempotent-submission.contract';

const stores = sqliteStores();

idempotencyContract('sqlite', stores.open);

idempotentSubmissionContract('sqlite', async (settings) => {
  if (settings.store.kind !== 'sqlite') throw new Error('expected the SQLite store');
  return new SqliteJobStore(settings.store.file);
});
