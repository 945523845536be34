/**
 * Job states, spelled as slivka spells them on the wire and in the store.
 * The transition table is the one place that says which moves are legal.
 */
export const JOB_STATES = [
  'PENDING',
  'REJECTED',
  'ACCEPTED',
  'QUEUED',
  'RUNNING',
  'COMPLETED',
  'INTERRUPTED',
  'DELETED',
  'FAILED',
  'ERROR',
  'UNKNOWN',
  'CANCELLING',
] as const;

export type JobState = (typeof JOB_STATES)[number];

export const FINISHED_STATES: ReadonlySet<JobState> = new Set<JobState>([
  'REJECTED',
  'COMPLETED',
  'INTERRUPTED',
  'DELETED',
  'FAILED',
  'ERROR',
]);

export function isFinished(state: JobState): boolean {
  return FINISHED_STATES.has(state);
}

export function isJobState(value: unknown): value is JobState {
  return typeof value === 'string' && (JOB_STATES as readonly string[]).includes(value);
}

/** Where each state may go next. Finished states go nowhere (absorbing). */
const TRANSITIONS: Record<JobState, readonly JobState[]> = {
  PENDING: ['ACCEPTED', 'REJECTED', 'DELETED', 'ERROR'],
  // UNKNOWN: dispatched to an agent that died before acknowledging; it may have started the job.
  // An agent's report of how a run ended is final even when the scheduler never recorded QUEUED
  // (it died between the agent's acknowledgement and its write). REJECTED: the service's selector
  // accepts no runner for the claimed job.
  ACCEPTED: [
    'REJECTED',
    'QUEUED',
    'RUNNING',
    'DELETED',
    'ERROR',
    'PENDING',
    'UNKNOWN',
    'COMPLETED',
    'FAILED',
    'INTERRUPTED',
  ],
  QUEUED: [
    'RUNNING',
    'COMPLETED',
    'FAILED',
    'ERROR',
    'INTERRUPTED',
    'DELETED',
    'UNKNOWN',
    'CANCELLING',
    'ACCEPTED',
    'PENDING',
  ],
  RUNNING: [
    'COMPLETED',
    'FAILED',
    'ERROR',
    'INTERRUPTED',
    'DELETED',
    'UNKNOWN',
    'CANCELLING',
    'ACCEPTED',
    'PENDING',
  ],
  // UNKNOWN is re-checked until the runner knows again, or the job is written off.
  // Back to PENDING only when an attempt was lost to infrastructure and a retry is left.
  UNKNOWN: [
    'QUEUED',
    'RUNNING',
    'COMPLETED',
    'FAILED',
    'ERROR',
    'INTERRUPTED',
    'CANCELLING',
    'PENDING',
  ],
  // CANCELLING always ends: the runner's kill or the job's own end decides how.
  CANCELLING: ['INTERRUPTED', 'DELETED', 'COMPLETED', 'FAILED', 'ERROR'],
  REJECTED: [],
  COMPLETED: [],
  INTERRUPTED: [],
  DELETED: [],
  FAILED: [],
  ERROR: [],
};

export function canTransition(from: JobState, to: JobState): boolean {
  return from === to ? !isFinished(from) : TRANSITIONS[from].includes(to);
}

/** States from which a transition to `to` is legal: what a conditional store write matches on. */
export function statesAllowing(to: JobState): JobState[] {
  return JOB_STATES.filter((from) => from !== to && TRANSITIONS[from].includes(to));
}
