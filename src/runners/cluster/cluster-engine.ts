import type { JobState } from '../../jobs';
import type { ClusterKind } from '../../jobs/runner-kind';

/** How a job that ended without an exit record ended, as far as the engine can tell. */
export interface EngineOutcome {
  state: JobState;
  reason: string;
  /** It ended for a reason outside the tool (node lost, preempted): the scheduler may retry. */
  lost?: boolean;
  /** The script ran to its end, so its exit record should appear (it may lag on shared disks). */
  expectsRecord?: boolean;
  /** The script's exit status by the engine's accounting, where it has one. */
  exitCode?: number;
  /**
   * Cancelled in the engine by someone else than Damson (scancel/qdel by an administrator). Final
   * when the agent saw it happen; lost (retried) when it happened while the agent was away.
   */
  cancelledOutside?: boolean;
}

/** Damson's reading of one engine state. Every engine state maps to exactly one of these. */
export type EngineView =
  | { phase: 'queued'; note: string | null }
  | { phase: 'running'; note: string | null }
  /** Ended in the engine; `outcome` counts only when the job left no exit record. */
  | { phase: 'ended'; outcome: EngineOutcome }
  /** The engine will never run it (Grid Engine's error states): delete it and report `outcome`. */
  | { phase: 'stuck'; outcome: EngineOutcome }
  /** A state this version does not know: keep polling; the job's records or its end decide. */
  | { phase: 'unknown'; raw: string };

export interface EngineJob {
  id: string;
  name: string;
  /** The engine's own state name, for logs. */
  raw: string;
  view: EngineView;
}

export interface SubmitRequest {
  /** The job script's text (submitted on stdin; the engine keeps its own copy). */
  script: string;
  cwd: string;
  /** Unique per attempt: how a submission in doubt is found again. */
  name: string;
  /** Where the engine writes the script's own output and its messages. */
  engineOutput: string;
  /** The runner's `sbatchargs` / `qargs`, already split into words. */
  extraArgs: string[];
  timeLimitMs: number | null;
}

/** The command-line tools of one engine. Each method is one engine call, whatever the job count. */
export interface ClusterEngine {
  readonly kind: ClusterKind;
  /** The variable that holds the engine's job id inside a job. */
  readonly engineIdVariable: string;
  submit(request: SubmitRequest): Promise<string>;
  /** Every job of this user the engine knows now, by engine id. */
  list(): Promise<Map<string, EngineJob>>;
  /** What the engine's records say about jobs that left its queue (accounting). */
  postMortem(ids: string[]): Promise<Map<string, EngineView>>;
  cancel(ids: string[]): Promise<void>;
}
