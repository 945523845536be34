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
 * - delayed job: one submitted with a not-before time still ahead; it waits QUEUED with no lease
 *   owner (Damson's own queue, as SLURM's --begin shows QUEUED) until a claim takes it. Every
 *   other way into QUEUED goes through a claim, which sets the owner.
 * - awaiting claim: PENDING, or delayed; what a claim may take once the job is due.
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
  /** The job this one reran (`POST /jobs/{id}/rerun`); null for a fresh submission. */
  rerunOf: string | null;
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
  rerunOf?: string | null;
}

type ClaimFields = Pick<Job, 'state' | 'leaseOwner'>;

/** QUEUED in Damson's own queue for its not-before time: never claimed, so no one owns it. */
export function isDelayed(job: ClaimFields): boolean {
  return job.state === 'QUEUED' && job.leaseOwner === null;
}

/** PENDING or delayed: the jobs a claim may take when they are due. */
export function isAwaitingClaim(job: ClaimFields): boolean {
  return job.state === 'PENDING' || isDelayed(job);
}

/** A job is stored delayed when its not-before time is still ahead, else PENDING. */
export function initialState(notBefore: Date | null | undefined, nowMs: number): JobState {
  return notBefore && notBefore.getTime() > nowMs ? 'QUEUED' : 'PENDING';
}
