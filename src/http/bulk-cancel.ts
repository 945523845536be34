import type { Request, Response } from 'express';
import { isFinished, isJobState, JOB_STATES, type Job, type JobState } from '../jobs';
import type { JobFilter } from '../store/job-store';
import { badQuery, booleanParameter, dateParameter, strictQuery } from './admin-query';
import { adminCaller } from './admin-scope';
import type { AppContext } from './app-context';

/** The most jobs one request cancels; more matching are left for the next request (`more`). */
export const MAX_BULK_CANCEL = 5000;
/** A dry run counts this far and then says `more`. */
export const MAX_CANCEL_COUNT = 10_000;
const PAGE = 500;
/** Cancels in flight at once: each is a conditional write, and the store is shared. */
const CONCURRENCY = 8;
const SERVICE_ID = /^[A-Za-z0-9_.-]{1,128}$/;

/** What a filter without `status` cancels: every unfinished job not being cancelled already. */
export const CANCELLABLE_STATES: JobState[] = JOB_STATES.filter(
  (s) => !isFinished(s) && s !== 'CANCELLING',
);

const PARAMETERS = ['service', 'status', 'before', 'after', 'dry-run', 'limit'] as const;

type CancelFilter = Omit<JobFilter, 'limit' | 'cursor'>;

function cancelFilter(query: Map<string, string>): CancelFilter {
  const service = query.get('service');
  if (service !== undefined && !SERVICE_ID.test(service))
    throw badQuery('service', "'service' is not a service id");
  const states = (query.get('status')?.split(',') ?? []).map((s) => s.trim().toUpperCase());
  for (const state of states) {
    if (!isJobState(state))
      throw badQuery('status', `status '${state.slice(0, 20)}' is not a job state`);
    if (isFinished(state))
      throw badQuery('status', `status '${state}' is finished: there is nothing to cancel`);
  }
  const before = dateParameter(query, 'before');
  const after = dateParameter(query, 'after');
  if (before && after && after >= before)
    throw badQuery('after', "'after' must be earlier than 'before'");
  if (service === undefined && !states.length && !before && !after)
    throw badQuery(
      'filter',
      'give at least one of service, status, before, after (status=PENDING,RUNNING,… for all)',
    );
  return {
    service,
    states: states.length ? [...new Set(states as JobState[])] : CANCELLABLE_STATES,
    submittedSince: after,
    submittedBefore: before,
  };
}

async function matching(ctx: AppContext, filter: CancelFilter, max: number) {
  const jobs: Job[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.store.listJobs({ ...filter, cursor, limit: PAGE });
    jobs.push(...page.jobs);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && jobs.length < max);
  return { jobs: jobs.slice(0, max), more: jobs.length > max || cursor !== undefined };
}

async function cancelAll(ctx: AppContext, jobs: Job[]) {
  const outcome = { deleted: 0, cancelling: 0, alreadyCancelling: 0, finished: 0, gone: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const result = await ctx.store.requestCancel(job.id);
      if (result.kind === 'not_found') outcome.gone += 1;
      else if (result.kind === 'cancelling' && job.state === 'CANCELLING')
        outcome.alreadyCancelling += 1;
      else outcome[result.kind] += 1;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return outcome;
}

/**
 * `POST /admin/jobs/cancel?service=&status=&after=&before=[&dry-run=true][&limit=]`: cancels every
 * unfinished job the filter matches (submitted at or after `after`, before `before`), as
 * `DELETE /jobs/{id}` would: waiting jobs end DELETED at once, running ones INTERRUPTED once
 * their agent has stopped them. `dry-run=true` only counts.
 */
export function bulkCancel(ctx: AppContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const admin = adminCaller(res);
    const query = strictQuery(req, PARAMETERS);
    const filter = cancelFilter(query);
    const dryRun = booleanParameter(query, 'dry-run', false);
    const limitText = query.get('limit');
    const limit = limitText === undefined ? MAX_BULK_CANCEL : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BULK_CANCEL)
      throw badQuery('limit', `'limit' must be an integer from 1 to ${MAX_BULK_CANCEL}`);
    const shown = {
      service: filter.service ?? null,
      status: filter.states,
      after: filter.submittedSince?.toISOString() ?? null,
      before: filter.submittedBefore?.toISOString() ?? null,
    };
    if (dryRun) {
      const { jobs, more } = await matching(ctx, filter, MAX_CANCEL_COUNT);
      ctx.log.info(
        { admin, action: 'cancel-jobs', dryRun, filter: shown, matched: jobs.length, more },
        'admin action',
      );
      res.json({ dryRun: true, filter: shown, matched: jobs.length, more, max: limit });
      return;
    }
    const { jobs, more } = await matching(ctx, filter, limit);
    const outcome = await cancelAll(ctx, jobs);
    ctx.log.info(
      { admin, action: 'cancel-jobs', dryRun, filter: shown, matched: jobs.length, more, outcome },
      'admin action',
    );
    ctx.wake();
    ctx.watcher?.nudge();
    res.json({ dryRun: false, filter: shown, matched: jobs.length, more, ...outcome });
  };
}
