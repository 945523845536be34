import type { Settings } from '../config/settings';
import type { JobStore } from '../store/job-store';
import { MongoJobStore } from '../store/mongodb/mongo-job-store';
import { SqliteJobStore } from '../store/sqlite/sqlite-job-store';

/**
 * The one place that picks the store implementation from settings. The MongoDB store connects
 * lazily, so a server or scheduler started while MongoDB is down still starts and waits for it.
 */
export async function openStore(settings: Settings): Promise<JobStore> {
  const store = settings.store;
  if (store.kind === 'sqlite') return new SqliteJobStore(store.file);
  return new MongoJobStore({ url: store.url, database: store.database });
}
