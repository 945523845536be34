import type { IndexDescription } from 'mongodb';

/**
 * One index per query the server and the scheduler run (see mongo-job-store.ts); created at
 * start-up and idempotent, so several processes may create them at once. Claims read the claim
 * queue's head and point-read jobs by _id, so they need no index of their own.
 */
export const JOB_INDEXES: IndexDescription[] = [
  // listActive and listJobs filtered by state, newest first.
  { name: 'by_state', key: { state: 1, submittedAt: -1, order: -1 } },
  // listActive's claimed QUEUED jobs, without reading the delayed ones (QUEUED with no owner).
  { name: 'by_state_and_owner', key: { state: 1, leaseOwner: 1, submittedAt: 1, order: 1 } },
  // listJobs unfiltered or filtered by submission time, newest first.
  { name: 'by_submission', key: { submittedAt: -1, order: -1 } },
  // listJobs scoped to one owner (every listing but an admin's).
  { name: 'by_owner', key: { owner: 1, submittedAt: -1, order: -1 } },
  // listJobs filtered by service.
  { name: 'by_service', key: { service: 1, submittedAt: -1, order: -1 } },
  // usageStats groups on these two fields only (a covered scan of the index).
  { name: 'usage', key: { month: 1, service: 1 } },
  // deleteFinishedBefore (retention).
  { name: 'by_completion', key: { completedAt: 1 } },
];

export const UPLOAD_INDEXES: IndexDescription[] = [{ name: 'by_creation', key: { createdAt: 1 } }];

/** Cancelling a job removes all its claim-queue entries (one per wait). */
export const QUEUE_INDEXES: IndexDescription[] = [{ name: 'by_job', key: { jobId: 1 } }];
