import type { Job } from '../jobs';

/**
 * An `Idempotency-Key` a client sent with a submission that created a job. `scope` keeps one
 * client's keys apart from another's; `requestHash` is the SHA-256 of the normalised request, so
 * a replay with a different body is told apart from a retry.
 */
export interface IdempotencyRecord {
  scope: string;
  key: string;
  requestHash: string;
  jobId: string;
  createdAt: Date;
  /** After this the key is forgotten: a new request with it creates a new job. */
  expiresAt: Date;
}

/** What `insertJobOnce` did: created the job, or found the key already taken (by a live record). */
export type OnceOutcome =
  { kind: 'created'; job: Job } | { kind: 'existing'; record: IdempotencyRecord };
