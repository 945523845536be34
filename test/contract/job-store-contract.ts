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

/** Outranks every job before it (one walked back to PENDING too), so jobIn claims its own. */
let claimFirst = 1_000_000;
/**
 * The Mongo store ranks only a window at the head of its queue, so a job walked without a given
 * one gets a service of its own: its claim then never competes with the jobs of earlier walks.
 */
let walks = 0;

/**
 * Inserts a job and walks it to `state` through allowed transitions. ACCEPTED is reached by a
 * claim, as in real life, so the job has an owner: a QUEUED job without one is a delayed job.
 */
export async function jobIn(store: JobStore, state: JobState, given?: NewJob): Promise<string> {
  const job = given ?? newJob({ service: `walked-${++walks}` });
  const path = PATH_TO[state];
  const claimed = path[0] === 'ACCEPTED';
  await store.insertJob(claimed ? { ...job, priority: claimFirst++ } : job);
  if (claimed) {
    const [taken] = await store.claimPending('contract', 60_000, 1, job.service);
    if (taken?.id !== job.id) throw new Error(`could not claim ${job.id}`);
  }
  for (const step of claimed ? path.slice(1) : path) {
    if (!(await store.transition(job.id, step, null))) {
      throw new Error(`could not move ${job.id} to ${step} on the way to ${state}`);
    }
  }
  return job.id;
}

export { canTransition, JOB_STATES };
