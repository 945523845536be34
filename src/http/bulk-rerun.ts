import type { Request, Response } from 'express';
import type { HttpErrorCode } from '../errors';
import { isJobState, type Job, type JobState } from '../jobs';
import { emptySubmission } from '../services/form/form';
import type { JobFilter } from '../store/job-store';
import { apiBase, type AppContext } from './app-context';
import { HttpError } from './http-error';
import { clientHasScope } from './rate-limits';
import { rerunDefinition, rerunSubmission } from './rerun-job';
import { jobResource } from './resources';
import { recordJob } from './submit-job';

/** The most jobs one bulk rerun request reruns; a filter matching more is refused (422). */
export const MAX_BULK_RERUN = 100;
/** Counting stops here: a dry run says "at least" beyond it. */
const MAX_COUNT = 10_000;
const PAGE = 500;

function bulkFilter(req: Request): Omit<JobFilter, 'limit' | 'cursor'> {
  const q = req.query;
  const bad = (parameter: string, message: string): HttpError =>
    new HttpError(400, 'invalid_query', message, { parameter });
  const one = (name: string): string | undefined => {
    const v = q[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw bad(name, `'${name}' must be given once`);
    return v;
  };
  const date = (name: string): Date | undefined => {
    const text = one(name);
    if (text === undefined) return undefined;
    const at = new Date(text);
    if (Number.isNaN(at.getTime())) throw bad(name, `'${name}' must be a date, e.g. 2026-01-31`);
    return at;
  };
  const states = (one('status')?.split(',') ?? []).map((s) => s.trim().toUpperCase());
  const unknown = states.find((s) => !isJobState(s));
  if (unknown !== undefined) throw bad('status', `status '${unknown}' is not a job state`);
  const since = date('since');
  // Jobs submitted by this very request are never among those it reruns.
  const until = date('until') ?? new Date();
  const service = one('service');
  if (service !== undefined && !/^[A-Za-z0-9_.-]{1,128}$/.test(service))
    throw bad('service', "'service' is not a service id");
  return { service, states: states as JobState[], submittedSince: since, submittedBefore: until };
}

async function matching(ctx: AppContext, filter: Omit<JobFilter, 'limit' | 'cursor'>, max: number) {
  const jobs: Job[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.store.listJobs({ ...filter, cursor, limit: PAGE });
    jobs.push(...page.jobs);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && jobs.length < max);
  return { jobs: jobs.slice(0, max), more: jobs.length > max || cursor !== undefined };
}

function requireAdmin(res: Response): void {
  if (clientHasScope(res, 'admin')) return;
  const identified = (res.locals.client as { token?: unknown } | undefined)?.token;
  if (!identified) {
    throw new HttpError(
      401,
      'token_required',
      "Bulk rerun needs an API token with the 'admin' scope.",
      {},
      { 'WWW-Authenticate': 'Bearer' },
    );
  }
  throw new HttpError(403, 'scope_required', "Bulk rerun needs a token with the 'admin' scope.", {
    scope: 'admin',
  });
}

/**
 * `POST /jobs/rerun?service=&status=&since=&until=[&dry-run=true]`: reruns every job the filter
 * matches (submitted in [since, until), `until` defaulting to now), each as `POST /jobs/{id}/rerun`
 * with no overrides would. `dry-run=true` only counts. At most MAX_BULK_RERUN jobs per request.
 */
export function bulkRerun(ctx: AppContext) {
  return async (req: Request, res: Response): Promise<void> => {
    requireAdmin(res);
    const filter = bulkFilter(req);
    const dryRun = req.query['dry-run'];
    if (dryRun !== undefined && dryRun !== 'true' && dryRun !== 'false')
      throw new HttpError(400, 'invalid_query', "'dry-run' must be true or false", {
        parameter: 'dry-run',
      });
    if (dryRun === 'true') {
      const { jobs, more } = await matching(ctx, filter, MAX_COUNT);
      res.json({ dryRun: true, matched: jobs.length, more, max: MAX_BULK_RERUN });
      return;
    }
    const { jobs, more } = await matching(ctx, filter, MAX_BULK_RERUN);
    if (more) {
      throw new HttpError(
        422,
        'too_many_jobs',
        `More than ${MAX_BULK_RERUN} jobs match; narrow the filter (service, status, since, ` +
          `until) to at most ${MAX_BULK_RERUN} per request.`,
        { max: MAX_BULK_RERUN },
      );
    }
    const base = apiBase(req, ctx.settings);
    const rerun: Record<string, unknown>[] = [];
    const failed: { id: string; error: { code: HttpErrorCode; message: string } }[] = [];
    // Oldest first, so the reruns are submitted in the order of their originals.
    for (const job of jobs.reverse()) {
      try {
        const { service, note } = await rerunDefinition(ctx, job);
        const outcome = await recordJob(ctx, {
          service,
          read: {
            submission: rerunSubmission(service, job, emptySubmission()),
            discard: async () => undefined,
            commit: () => Promise.reject(new Error('a bulk rerun sends no files')),
            saved: () => undefined,
          },
          scheduling: { priority: job.priority, notBefore: null },
          once: null,
          rerunOf: job.id,
          note,
          // An admin's bulk rerun is still each original owner's job (their listing shows it).
          owner: job.owner,
          admin: true,
        });
        if (outcome.kind === 'created') {
          rerun.push({ ...jobResource(base, outcome.job), ...(note ? { note } : {}) });
        } else if (outcome.kind === 'invalid') {
          const detail = outcome.errors.map((e) => `${e.parameter}: ${e.message}`).join('; ');
          failed.push({ id: job.id, error: { code: 'invalid_parameters', message: detail } });
        }
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        failed.push({ id: job.id, error: { code: error.code, message: error.message } });
      }
    }
    res.status(202).json({ matched: jobs.length, rerun, failed });
  };
}
