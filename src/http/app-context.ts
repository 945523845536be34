import type { Request } from 'express';
import type { Settings } from '../config/settings';
import type { DiskSpace } from '../lifecycle/disk-space';
import type { Logger } from '../lifecycle/logger';
import type { ServiceCatalog } from '../services/service-catalog';
import type { ServiceRevisions } from '../services/service-revisions';
import type { JobStore } from '../store/job-store';
import type { ProgressReader } from './job-progress';
import type { JobWatcher } from './job-watcher';
import type { PauseBoard } from './pause-board';
import type { QueueEstimates } from './queue-estimates';
import type { ReadinessCheck } from '../lifecycle/readiness';
import type { ServerMetrics } from './server-metrics';

export interface AppContext {
  settings: Settings;
  store: JobStore;
  catalog: ServiceCatalog;
  /** Records the definition each job is submitted with. */
  revisions: ServiceRevisions;
  /** Tells the scheduler there is work; best effort. */
  wake: () => void;
  log: Logger;
  /** Shared by long-poll and SSE requests; created by createApp when absent. */
  watcher?: JobWatcher;
  /** Queue positions and start estimates; created by createApp when absent. */
  queueEstimates?: QueueEstimates;
  /** The `store.min-free-disk` floor; created by createApp when absent. */
  diskSpace?: DiskSpace;
  /** Reads running jobs' progress from their directories; created by createApp when absent. */
  progress?: ProgressReader;
  /** An administrator's pauses, as waiting jobs show them; created by createApp when absent. */
  pauses?: PauseBoard;
  /** HTTP metrics; created by createApp unless `metrics.server` is off. */
  metrics?: ServerMetrics;
  /** `/readyz` checks; by default the store, the scheduler's heartbeat and the services. */
  readiness?: Record<string, ReadinessCheck>;
}

/** URLs in responses follow the mount the request used (`/api` or `/api/v1.1`), with the prefix. */
export function apiBase(req: Request, settings: Settings): string {
  const base = req.baseUrl.replace(/\/+$/, '');
  const prefix = settings.server.prefix;
  return prefix && !base.startsWith(prefix) ? `${prefix}${base}` : base;
}

export function contentBase(settings: Settings, kind: 'jobs' | 'uploads'): string {
  const { prefix, jobsPath, uploadsPath } = settings.server;
  return `${prefix}${kind === 'jobs' ? jobsPath : uploadsPath}`;
}
