import type { Settings } from '../config/settings';
import type { Registry } from 'prom-client';
import type { JobStore } from '../store/job-store';
import { instrumentStore } from '../store/instrumented-store';
import { storeMetrics } from '../lifecycle/metrics-registry';

/* eslint-disable @typescript-eslint/no-require-imports -- see openStore */
type SqliteModule = typeof import('../store/sqlite/sqlite-job-store');
type MongoModule = typeof import('../store/mongodb/mongo-job-store');

/**
 * The one place that picks the store implementation from settings. Only the chosen driver is
 * required (the MongoDB driver alone adds ~20 MiB to a process). The MongoDB store connects
 * lazily, so a server or scheduler started while MongoDB is down still starts and waits for it.
 */
export async function openStore(settings: Settings): Promise<JobStore> {
  const store = settings.store;
  if (store.kind === 'sqlite') {
    const { SqliteJobStore } = require('../store/sqlite/sqlite-job-store') as SqliteModule;
    return new SqliteJobStore(store.file);
  }
  const { MongoJobStore } = require('../store/mongodb/mongo-job-store') as MongoModule;
  return new MongoJobStore({ url: store.url, database: store.database });
}

/** The store with each operation timed into `registry`; the store itself when metrics are off. */
export function instrumentedStore(store: JobStore, registry: Registry | undefined): JobStore {
  return registry ? instrumentStore(store, storeMetrics(registry)) : store;
}
