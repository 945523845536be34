import type { JobState } from './job-state';

/** One state a job entered, and when (the writer's clock). */
export interface JobHistoryEntry {
  state: JobState;
  at: Date;
}

/**
 * The most entries a job keeps: the latest ones. A job retried after lost attempts goes round
 * PENDING → ACCEPTED → QUEUED → RUNNING → UNKNOWN again, so without a bound its history would grow
 * with every retry; 32 entries hold a first run and several retries, and the submission time is
 * kept apart (`submittedAt`) however many are dropped.
 */
export const MAX_HISTORY_ENTRIES = 32;

/** The history after entering `state` at `at`: a change of state only, oldest entries dropped. */
export function appendHistory(
  history: readonly JobHistoryEntry[],
  state: JobState,
  at: Date,
): JobHistoryEntry[] {
  const last = history[history.length - 1];
  if (last && last.state === state) return [...history];
  return [...history, { state, at }].slice(-MAX_HISTORY_ENTRIES);
}

/** When a completed job's last run started and ended, read off its history. */
export interface CompletedRun {
  startedAt: Date;
  completedAt: Date;
}

/** The last run of a job whose history ends COMPLETED; null for any other history. */
export function completedRun(history: readonly JobHistoryEntry[]): CompletedRun | null {
  const last = history[history.length - 1];
  if (!last || last.state !== 'COMPLETED') return null;
  for (let i = history.length - 2; i >= 0; i--) {
    if (history[i].state === 'RUNNING') return { startedAt: history[i].at, completedAt: last.at };
  }
  return null;
}
