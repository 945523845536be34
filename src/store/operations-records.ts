import type { JobState } from '../jobs';

/** The role the scheduler writes its heartbeat under, every heartbeat interval. */
export const SCHEDULER_ROLE = 'scheduler';

/** How many jobs of one service are in one state. */
export interface JobCount {
  service: string;
  state: JobState;
  count: number;
}

/** The last sign of life of a process that writes one (the scheduler, every heartbeat). */
export interface Heartbeat {
  /** Which instance wrote it (the scheduler's claim owner). */
  owner: string;
  /** The writer's clock: hosts sharing a store keep their clocks in step (NTP). */
  at: Date;
}

/**
 * What an operator watches, kept with the jobs in both stores: job counts for metrics and the
 * scheduler's heartbeat for readiness. Nothing here is on a job's path.
 */
export interface OperationsRecords {
  /**
   * Jobs per (service, state), every job in the store: one grouped count (a scan of the jobs),
   * so callers cache it for seconds rather than asking per request.
   */
  jobCounts(): Promise<JobCount[]>;
  /** Upserts the heartbeat of `role` (e.g. `scheduler`). */
  recordHeartbeat(role: string, heartbeat: Heartbeat): Promise<void>;
  /** The latest heartbeat of `role`, or null when none was ever written. */
  lastHeartbeat(role: string): Promise<Heartbeat | null>;
}
