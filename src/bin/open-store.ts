import type { Settings } from '../config/settings';
import { DamsonError } from '../errors';
import type { JobStore } from '../store/job-store';
import { SqliteJobStore } from '../store/sqlite/sqlite-job-store';

/** The one place that picks the store implementation from settings. */
export async function openStore(settings: Settings): Promise<JobStore> {
  if (settings.store.kind === 'sqlite') return new SqliteJobStore(settings.store.file);
  throw new DamsonError('store_unsupported', 'the MongoDB store is not available in this build');
}
