import type { JobHistoryEntry } from './job-history';
import type { JobState } from './job-state';

/**
 * The job types. What the words mean (job, attempt, claim, lease, fencing token, delayed job,
 * runner, agent, upload, ...) is in one place: the glossary of docs/architecture.md.
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
  /** The states the job entered, oldest first, bounded (see MAX_HISTORY_ENTRIES). */
  history: JobHistoryEntry[];
  /** Where Damson POSTs the job when it changes (a webhook), or null. */
  callback: JobCallback | null;
  /** A result-cache hit: the COMPLETED job whose results this one answers with (it never ran). */
  cachedFrom?: string | null;
  /** The job this one reran (`POST /jobs/{id}/rerun`); null for a fresh submission. */
  rerunOf: string | null;
  /** The pipeline this job is a step of (src/jobs/pipeline.ts); absent or null for a lone job. */
  pipeline?: string | null;
  /**
   * Whose job it is (src/jobs/job-owner.ts): `token:<name>`, `session:<hash>` or
   * `address:<ip>`; null for jobs stored before owners existed. Never shown to other clients.
   */
  owner: string | null;
}

/** A webhook: its URL (checked against api.webhooks.allowed-hosts) and which changes it wants. */
export interface JobCallback {
  url: string;
  /** `finished`: the end only; `all`: every change of state after the claim, and the end. */
  events: 'finished' | 'all';
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
  callback?: JobCallback | null;
  /** The result-cache key of a job of a service that opted in (see src/http/result-cache.ts). */
  cacheKey?: string | null;
  rerunOf?: string | null;
  pipeline?: string | null;
  owner?: string | null;
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
