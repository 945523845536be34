import { appendHistory, type JobHistoryEntry, type JobState } from '../../jobs';
import type { JobDocument } from './job-document';

/**
 * The job's history after entering `state` at `at`, for the `$set` of the state change's own
 * update, so it costs no operation of its own. Computed from the document the write read: JobWriter
 * makes the write exclusive to that version, and FerretDB 1.x ignores `$push`'s `$slice`, so the
 * bound is applied here.
 */
export function nextHistory(
  current: Pick<JobDocument, 'history'>,
  state: JobState,
  at: Date,
): JobHistoryEntry[] {
  return appendHistory(current.history ?? [], state, at);
}

/**
 * The `$push` of a claim written without reading the job (JobWriter.writeFresh): a job never
 * written since its insert has one entry, so one more keeps it well within the bound.
 */
export function pushHistory(state: JobState, at = new Date()): { history: JobHistoryEntry } {
  return { history: { state, at } };
}
