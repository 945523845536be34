import { canTransition, JOB_STATES, newJobId, type JobState, type NewJob } from '../../src/jobs';
import type { JobStore } from '../../src/store/job-store';

/** Makes a fresh, empty store for one test; `dispose` closes it and removes its data. */
export interface StoreFactory {
  open(): Promise<JobStore>;
  dispose(store: JobStore): Promise<void>;
}

export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  const id = newJobId();
  return {
    id,
    service: 'head',
    inputs: { input: '/data/uploads/x.txt', lines: '3', flags: ['-a', '-b'], none: null },
    parameters: { input: 'AAAAAAAAAAAAAAAA', lines: '3', flags: ['a', 'b'], none: null },
    workDir: `${id.slice(-2)}/${id.slice(-4, -2)}/${id.slice(0, -4)}`,
    ...overrides,
  };
}

/** A path of allowed transitions from PENDING to each state. */
export const PATH_TO: Record<JobState, JobState[]> = {
  PENDING: [],
  ACCEPTED: ['ACCEPTED'],
  QUEUED: ['ACCEPTED', 'QUEUED'],
  RUNNING: ['ACCEPTED', 'QUEUED', 'RUNNING'],
  UNKNOWN: ['ACCEPTED', 'QUEUED', 'RUNNING', 'UNKNOWN'],
  CANCELLING: ['ACCEPTED', 'QUEUED', 'RUNNING', 'CANCELLING'],
  COMPLETED: ['ACCEPTED', 'QUEUED', 'RUNNING', 'COMPLETED'],
  INTERRUPTED: ['ACCEPTED', 'QUEUED', 'RUNNING', 'INTERRUPTED'],
  FAILED: ['ACCEPTED', 'QUEUED', 'RUNNING', 'FAILED'],
  REJECTED: ['REJECTED'],
  DELETED: ['DELETED'],
  ERROR: ['ERROR'],
};

/** Inserts a job and walks it to `state` through allowed transitions. */
export async function jobIn(store: JobStore, state: JobState, job = newJob()): Promise<string> {
  await store.insertJob(job);
  for (const step of PATH_TO[state]) {
    if (!(await store.transition(job.id, step, null))) {
      throw new Error(`could not move ${job.id} to ${step} on the way to ${state}`);
    }
  }
  return job.id;
}

export { canTransition, JOB_STATES };
