import { FINISHED_STATES, UNFINISHED_STATES, type JobState } from '../../jobs';

/**
 * The indexes led by a job's state, each split in two partial indexes: one over unfinished jobs,
 * one over finished ones. With a single index over all jobs, every finished job sits between the
 * waiting and the running states (ACCEPTED < COMPLETED < PENDING in key order), so in a store of
 * a million finished jobs each claim moved its entry across that block: two leaf pages written
 * per index instead of one, on every claim and state change (bench/big-store.ts). In the
 * unfinished half a job's moves stay within a few pages however many jobs have finished; a job
 * finishing appends to the end of its state's range in the finished half.
 *
 * The literal lists below are part of each index's definition: a query can use a partial index
 * only when its WHERE repeats the index's condition, so queries take their text from here.
 */
const quoted = (states: Iterable<JobState>): string =>
  [...states].map((state) => `'${state}'`).join(', ');

export const FINISHED_STATE_SQL = `state IN (${quoted(FINISHED_STATES)})`;
export const UNFINISHED_STATE_SQL = `state IN (${quoted(UNFINISHED_STATES)})`;

/**
 * Listing by state, newest first (jobs_*_by_state), and job counts by service and state, read
 * from the index alone (jobs_*_counts). The indexes they replace are dropped: an existing store
 * builds these once, when first opened after the upgrade (seconds per million jobs).
 */
export const STATE_INDEXES_SQL = `
DROP INDEX IF EXISTS jobs_by_state;
DROP INDEX IF EXISTS jobs_by_state_listing;
DROP INDEX IF EXISTS jobs_by_service_state;
CREATE INDEX IF NOT EXISTS jobs_unfinished_by_state ON jobs (state, seq)
  WHERE ${UNFINISHED_STATE_SQL};
CREATE INDEX IF NOT EXISTS jobs_finished_by_state ON jobs (state, seq)
  WHERE ${FINISHED_STATE_SQL};
CREATE INDEX IF NOT EXISTS jobs_unfinished_counts ON jobs (service, state)
  WHERE ${UNFINISHED_STATE_SQL};
CREATE INDEX IF NOT EXISTS jobs_finished_counts ON jobs (service, state)
  WHERE ${FINISHED_STATE_SQL};
`;

/**
 * The listing's filter on states, saying which partial index holds each state (the planner cannot
 * tell from a bound value). States from both halves are read from each half's index and sorted,
 * as a listing of several states always was. The states are bound: the literal text is ours.
 */
export function listingStatesClause(
  states: readonly JobState[],
): [clause: string, ...args: string[]] {
  const finished = states.filter((state) => FINISHED_STATES.has(state));
  const unfinished = states.filter((state) => !FINISHED_STATES.has(state));
  const half = (part: JobState[], condition: string): string =>
    `(state IN (${part.map(() => '?').join(', ')}) AND ${condition})`;
  const halves = [
    ...(finished.length ? [half(finished, FINISHED_STATE_SQL)] : []),
    ...(unfinished.length ? [half(unfinished, UNFINISHED_STATE_SQL)] : []),
  ];
  return [halves.length > 1 ? `(${halves.join(' OR ')})` : halves[0], ...finished, ...unfinished];
}
