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
  ACCEPTED: ['QUEUED', 'RUNNING', 'DELETED', 'ERROR', 'PENDING'],
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
  ],
  // UNKNOWN is re-checked until the runner knows again, or the job is written off.
  UNKNOWN: ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'ERROR', 'INTERRUPTED', 'CANCELLING'],
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
