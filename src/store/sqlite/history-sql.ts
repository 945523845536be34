import { MAX_HISTORY_ENTRIES, type JobHistoryEntry, type JobState } from '../../jobs';

/**
 * The `history` column (a JSON array of `{state, at}`, `at` in epoch milliseconds) after a write
 * that sets the state: unchanged when the job is already in that state (a lease renewal), else
 * one entry appended and the oldest dropped past the bound. Part of the write's own SET, so a
 * transition stays one statement. Binds historyArgs(...).
 */
export const APPEND_HISTORY_SQL = `history = CASE WHEN state = ? THEN history ELSE json_insert(
  CASE WHEN json_array_length(history) >= ${MAX_HISTORY_ENTRIES}
    THEN json_remove(history, '$[0]') ELSE history END,
  '$[#]', json_object('state', ?, 'at', ?)) END`;

/** The values APPEND_HISTORY_SQL binds, in order. */
export const historyArgs = (state: JobState, atMs: number): [string, string, number] => [
  state,
  state,
  atMs,
];

/** The column of a new job: entered `state` at `atMs`. */
export const firstHistory = (state: JobState, atMs: number): string =>
  JSON.stringify([{ state, at: atMs }]);

/** Parses the column; rows written before it existed have none. */
export function parseHistory(column: string | null): JobHistoryEntry[] {
  if (!column) return [];
  const entries = JSON.parse(column) as { state: JobState; at: number }[];
  return entries.map((e) => ({ state: e.state, at: new Date(e.at) }));
}
