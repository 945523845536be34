import type { JobCallback } from './job';
import { isFinished, type JobState } from './job-state';

/**
 * Whether a job entering `to` from `from` is an event its callback is posted for: a change of
 * state into a finished one, or, with `events: all`, any change of state except a claim
 * (ACCEPTED, which is the scheduler's bookkeeping and says nothing to a client).
 */
export function isWebhookEvent(
  callback: JobCallback | null,
  from: JobState,
  to: JobState,
): boolean {
  if (!callback || from === to) return false;
  if (isFinished(to)) return true;
  return callback.events === 'all' && to !== 'ACCEPTED';
}
