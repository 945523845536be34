import type { JobState } from '../jobs';
import type { DispatchSpec, RunningJob } from '../transport/protocol';

export interface ExecutorEvent {
  jobId: string;
  fencingToken: number;
  state: JobState;
  externalId?: string | null;
  exitCode?: number | null;
  reason?: string | null;
}

/**
 * What an agent drives: local processes or a cluster engine. It reports every state change through
 * `report`; the agent host delivers those reports to the scheduler reliably.
 */
export interface Executor {
  readonly kinds: string[];
  readonly slots: number;
  start(job: DispatchSpec, report: (event: ExecutorEvent) => void): Promise<void>;
  cancel(jobId: string): Promise<void>;
  running(): RunningJob[];
  /** Stops taking work; running jobs are left alone (they outlive the agent where possible). */
  close(): Promise<void>;
}
