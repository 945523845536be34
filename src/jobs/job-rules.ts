import { isDelayed, type Job } from './job';
import {
  FINISHED_STATES,
  isFinished,
  JOB_STATES,
  statesAllowing,
  type JobState,
} from './job-state';

/**
 * The rules every store applies to its jobs, stated once: each store turns them into its own
 * query language (SQL, a MongoDB filter) but never decides them again.
 */

/** States of jobs that may still read their input files: every state but the finished ones. */
export const UNFINISHED_STATES: readonly JobState[] = JOB_STATES.filter(
  (state) => !FINISHED_STATES.has(state),
);

/**
 * States of jobs the scheduler drives (claimed and not finished). QUEUED counts only with a lease
 * owner: a delayed job (QUEUED, no owner) waits for its claim and no agent holds it.
 */
export const ACTIVE_STATES: readonly JobState[] = [
  'ACCEPTED',
  'QUEUED',
  'RUNNING',
  'UNKNOWN',
  'CANCELLING',
];

export function isActive(job: Pick<Job, 'state' | 'leaseOwner'>): boolean {
  return ACTIVE_STATES.includes(job.state) && !isDelayed(job);
}

/**
 * States a store write to `to` may land on: the legal predecessors, and `to` itself unless it is
 * finished (a write in the same state renews the lease or records the runner's details).
 */
export function statesAcceptingWrite(to: JobState): JobState[] {
  return isFinished(to) ? statesAllowing(to) : [...statesAllowing(to), to];
}

/**
 * An attempt is named by its fencing token: a write carrying one lands only on the attempt that
 * holds it (null: a write that is not an attempt's, such as the recovery of a lost job).
 */
export function isSameAttempt(
  job: Pick<Job, 'fencingToken'>,
  fencingToken: number | null,
): boolean {
  return fencingToken === null || job.fencingToken === fencingToken;
}

/** Whether a refused write was refused for its attempt: the job now belongs to a later one. */
export function isStaleWrite(
  job: Pick<Job, 'fencingToken'> | null | undefined,
  fencingToken: number | null,
): boolean {
  return !!job && !isSameAttempt(job, fencingToken);
}

/** Whether a write moving the job to `to` for the attempt `fencingToken` applies. */
export function acceptsWrite(
  job: Pick<Job, 'state' | 'fencingToken'>,
  to: JobState,
  fencingToken: number | null,
): boolean {
  return statesAcceptingWrite(to).includes(job.state) && isSameAttempt(job, fencingToken);
}

/**
 * What a cancel request does: a job that never reached an agent (PENDING, ACCEPTED or delayed) is
 * deleted at once, a started one is asked to stop (CANCELLING), a finished one is left alone.
 */
export function cancelDecision(
  job: Pick<Job, 'state' | 'leaseOwner'>,
): 'DELETED' | 'CANCELLING' | null {
  if (isFinished(job.state)) return null;
  const neverStarted = job.state === 'PENDING' || job.state === 'ACCEPTED' || isDelayed(job);
  return neverStarted ? 'DELETED' : 'CANCELLING';
}

/** One attempt of one job, as a map key: the job and the fencing token its claim was given. */
export function attemptKey(jobId: string, fencingToken: number): string {
  return `${jobId}/${fencingToken}`;
}
