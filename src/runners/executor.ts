import type { AgentMessage, DispatchSpec, RunningJob } from '../transport/protocol';

/** A change of an attempt, as an agent reports it to the scheduler (the wire's `event`). */
export type ExecutorEvent = Omit<Extract<AgentMessage, { type: 'event' }>, 'v' | 'type' | 'seq'>;

export type ReportEvent = (event: ExecutorEvent) => void;

/** Whether the engine's tools answer (cluster executors); failures never end a job by themselves. */
export interface ExecutorHealth {
  kind: string;
  ok: boolean;
  /** Failed engine calls in a row; 0 when ok. */
  consecutiveFailures: number;
  reason: string | null;
}

export type ReportHealth = (health: ExecutorHealth) => void;

/**
 * What an agent drives: local processes or a cluster engine. It reports every state change through
 * the `report` given to `open`; the agent host delivers those reports to the scheduler reliably and
 * calls `finalized` once the scheduler has recorded a job's finished state.
 */
export interface Executor {
  readonly kinds: string[];
  readonly slots: number;
  /**
   * Called once before anything else: recovers jobs started by an earlier run of this agent and
   * reports how those that ended meanwhile ended.
   */
  open(report: ReportEvent): Promise<void>;
  /**
   * Takes a job. Idempotent per (jobId, fencingToken): a repeated dispatch of a job already held
   * changes nothing. Resolves with the engine's id when known at once; rejects to refuse the job.
   */
  start(job: DispatchSpec): Promise<void>;
  cancel(jobId: string, fencingToken: number): Promise<void>;
  /** Jobs held now (queued, running, or ended but not yet finalized). */
  running(): RunningJob[];
  /** The scheduler has recorded this job's finished state: its bookkeeping may go. */
  finalized(jobId: string, fencingToken: number): void;
  /**
   * Optional (engines with tools that can fail): `report` is called on every failed engine call
   * and once when the tools answer again. Called before `open`.
   */
  watchHealth?(report: ReportHealth): void;
  /** Stops taking work; running jobs are left alone (they outlive the agent where possible). */
  close(): Promise<void>;
}
