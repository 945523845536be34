import { ownerShare } from '../config/owner-settings';
import type { AppContext } from './app-context';
import { HttpError } from './http-error';

/**
 * A submission that would leave its owner more than `max-waiting` jobs waiting for a slot
 * (PENDING) is refused with 429; below the cap it is accepted and waits its turn
 * (the scheduler's `max-active` cap and fair shares decide when it starts).
 */
export async function refuseOverWaitingCap(ctx: AppContext, owner: string | null): Promise<void> {
  if (owner === null) return;
  const { maxWaiting } = ownerShare(ctx.settings.api, owner);
  if (maxWaiting === 0) return;
  const waiting = await ctx.store.listJobs({
    owner,
    states: ['PENDING'],
    limit: maxWaiting,
  });
  if (waiting.jobs.length < maxWaiting) return;
  throw new HttpError(
    429,
    'too_many_waiting_jobs',
    `You already have ${maxWaiting} jobs waiting to start, the most this server queues per client; submit again once some have started.`,
    { maxWaiting },
    { 'Retry-After': '10' },
  );
}
