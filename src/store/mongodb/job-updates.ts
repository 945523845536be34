import type { UpdateFilter } from 'mongodb';
import { isDelayed, isFinished, type JobState } from '../../jobs';
import type { TransitionPatch } from '../job-store';
import type { JobDocument } from './job-document';

/** The update operators of each kind of job write; JobWriter decides whether they apply. */
export const RELEASE_LEASE = { leaseOwner: null, leasedAt: null, leaseMs: null };

/** A claim: owner and lease (from the database's clock), a fresh fencing token, one more attempt. */
export function claimUpdate(owner: string, leaseMs: number): UpdateFilter<JobDocument> {
  return {
    $set: { state: 'ACCEPTED', leaseOwner: owner, leaseMs },
    $inc: { fencingToken: 1, attempt: 1 },
    $currentDate: { leasedAt: true },
  };
}

/**
 * A cancellation: jobs that never reached an agent (PENDING, ACCEPTED, delayed) are deleted at
 * once, the others asked to stop.
 */
export function cancelUpdate(current: JobDocument): UpdateFilter<JobDocument> | null {
  if (isFinished(current.state)) return null;
  if (current.state === 'PENDING' || current.state === 'ACCEPTED' || isDelayed(current)) {
    return {
      $set: { state: 'DELETED', completedAt: new Date(), cancelRequested: true, ...RELEASE_LEASE },
    };
  }
  return { $set: { state: 'CANCELLING', cancelRequested: true } };
}

/**
 * The update of a transition landing at version `version`: the new state, the patch, and the
 * lease kept or released.
 */
export function transitionUpdate(
  to: JobState,
  patch: TransitionPatch,
  version: number,
): UpdateFilter<JobDocument> {
  const set: Partial<JobDocument> = { state: to };
  if (patch.runner !== undefined) set.runner = patch.runner;
  if (patch.externalId !== undefined) set.externalId = patch.externalId;
  if (patch.exitCode !== undefined) set.exitCode = patch.exitCode;
  if (patch.reason !== undefined) set.reason = patch.reason;
  // A lost attempt is counted in the same write (exclusive through its version ticket).
  const counted: UpdateFilter<JobDocument> = patch.lost ? { $inc: { lostAttempts: 1 } } : {};
  if (isFinished(to)) {
    return { ...counted, $set: { ...set, completedAt: new Date(), ...RELEASE_LEASE } };
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
