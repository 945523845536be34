import type { JobState } from './job-state';

/**
 * Glossary
 * - service: a tool described by one service file; its id is the file name stem.
 * - parameter: a user-facing input of a service (a form field).
 * - inputs: the command-line form of every parameter after validation (string, string[] or null).
 * - job: one submission of a service's form; moves through JobState.
 * - runner: a named way of executing a service (local, slurm, gridengine), from `execution.runners`.
 * - agent: a process that owns execution for one or more runner kinds; talks to the scheduler.
 * - claim: the scheduler taking a job for dispatch, with a lease and a fencing token.
 * - fencing token: a number that changes on every claim; a write carrying an older one is refused.
 * - upload: a file stored by the server, referenced by its id.
 */
export type InputValue = string | string[] | null;
export type JobInputs = Record<string, InputValue>;

export interface Job {
  id: string;
  service: string;
  /** Command-line values, with file inputs as absolute paths (never shown to clients). */
  inputs: JobInputs;
  /** What clients see as `parameters`: choice keys, file ids, never server paths. */
  parameters: JobInputs;
  state: JobState;
  submittedAt: Date;
  completedAt: Date | null;
  runner: string | null;
  /** Work directory relative to the jobs directory. */
  workDir: string;
  /** The agent-side id (pid, SLURM job id) once queued. */
  externalId: string | null;
  attempt: number;
  /** Attempts written off as lost to infrastructure (agent death, lease loss); retries count these. */
  lostAttempts: number;
  fencingToken: number;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  cancelRequested: boolean;
  exitCode: number | null;
  reason: string | null;
  priority: number;
  notBefore: Date | null;
  /** The revision of the service definition the job was submitted with (null: the current one). */
  serviceRevision: string | null;
}

export interface NewJob {
  id: string;
  service: string;
  inputs: JobInputs;
  parameters: JobInputs;
  workDir: string;
  priority?: number;
  notBefore?: Date | null;
  serviceRevision?: string | null;
}
