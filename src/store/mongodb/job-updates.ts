import type { UpdateFilter } from 'mongodb';
import { CANCELLED_BEFORE_START, cancelDecision, isFinished, type JobState } from '../../jobs';
import type { TransitionPatch } from '../job-store';
import { nextHistory, pushHistory } from './history-update';
import type { JobDocument } from './job-document';

/** The update operators of each kind of job write; JobWriter decides whether they apply. */
export const RELEASE_LEASE = { leaseOwner: null, leasedAt: null, leaseMs: null };

/**
 * A claim: owner and lease (from the database's clock), a fresh fencing token, one more attempt.
 * `current` is the job as read, for its history; without it (a job never written since its
 * insert) the entry is pushed.
 */
export function claimUpdate(
  owner: string,
  leaseMs: number,
  current?: JobDocument,
): UpdateFilter<JobDocument> {
  const now = new Date();
  const set = { state: 'ACCEPTED' as const, leaseOwner: owner, leaseMs };
  return {
    ...(current
      ? { $set: { ...set, history: nextHistory(current, 'ACCEPTED', now) } }
      : { $set: set, $push: pushHistory('ACCEPTED', now) }),
    $inc: { fencingToken: 1, attempt: 1 },
    $currentDate: { leasedAt: true },
  };
}

/** A cancellation, as cancelDecision (src/jobs) decides it; null for a finished job. */
export function cancelUpdate(current: JobDocument): UpdateFilter<JobDocument> | null {
  const decision = cancelDecision(current);
  if (decision === null) return null;
  if (decision === 'DELETED') {
    const now = new Date();
    return {
      $set: {
        state: 'DELETED',
        completedAt: now,
        cancelRequested: true,
        reason: CANCELLED_BEFORE_START,
        history: nextHistory(current, 'DELETED', now),
        ...RELEASE_LEASE,
      },
    };
  }
  return {
    $set: {
      state: 'CANCELLING',
      cancelRequested: true,
      history: nextHistory(current, 'CANCELLING', new Date()),
    },
  };
}

/**
 * The update of a transition landing at version `version` on the job as read (`current`): the new
 * state and its history entry, the patch, and the lease kept or released.
 */
export function transitionUpdate(
  to: JobState,
  patch: TransitionPatch,
  version: number,
  current: Pick<JobDocument, 'state' | 'history'>,
): UpdateFilter<JobDocument> {
  const now = new Date();
  const set: Partial<JobDocument> = { state: to };
  // The change of state is recorded in the same write; a lease renewal leaves history alone.
  if (current.state !== to) set.history = nextHistory(current, to, now);
  if (patch.runner !== undefined) set.runner = patch.runner;
  if (patch.externalId !== undefined) set.externalId = patch.externalId;
  if (patch.exitCode !== undefined) set.exitCode = patch.exitCode;
  if (patch.reason !== undefined) set.reason = patch.reason;
  // A lost attempt is counted in the same write (exclusive through its version ticket).
  const counted: UpdateFilter<JobDocument> = patch.lost ? { $inc: { lostAttempts: 1 } } : {};
  // A change of state is recorded in the same write; a lease renewal (same state) is not.
  if (isFinished(to)) {
    return { ...counted, $set: { ...set, completedAt: now, ...RELEASE_LEASE } };
  }
  // Back to PENDING: claimable again by anyone, so no one holds it; a new wait begins here.
  if (to === 'PENDING') {
    return { ...counted, $set: { ...set, ...RELEASE_LEASE, waitVersion: version } };
  }
  if (patch.leaseMs === undefined) return { ...counted, $set: set };
  return {
    ...counted,
    $set: { ...set, leaseMs: patch.leaseMs },
    $currentDate: { leasedAt: true },
  };
}
