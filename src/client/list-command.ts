import type { CommandContext } from './command-context';
import { csvRow } from './csv';
import { usageError } from './exit-codes';
import { asArray, asObject, jobView, serverMessage, type JobView } from './resources';
import { safeLog } from './terminal-text';

export interface ListOptions {
  service?: string;
  status?: string;
  since?: string;
  limit?: string;
  csv?: boolean;
}

const PAGE = 100;
const MAX_LIMIT = 10_000;

function parseLimit(value: string | undefined): number {
  const limit = value === undefined ? 50 : Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw usageError(`--limit must be an integer from 1 to ${MAX_LIMIT}`);
  return limit;
}

/** `--since`: a date, or an age such as `30m`, `12h`, `7d`. */
export function parseSince(value: string | undefined, now = Date.now()): Date | undefined {
  if (value === undefined) return undefined;
  const age = /^(\d+)([smhd])$/.exec(value);
  if (age) {
    const unit = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[age[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now - Number(age[1]) * unit);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw usageError('--since must be a date (2026-01-31) or an age (12h, 7d)');
  return date;
}

/** slivka's timestamps have no zone (Damson's are UTC); read them as UTC. */
const submitted = (job: JobView): number =>
  job.submissionTime ? Date.parse(`${job.submissionTime}Z`) : NaN;

/**
 * The server's listing (`GET /jobs`, Damson), page by page. A server without it (slivka answers
 * 404) gets the jobs this machine submitted there, from the local history, filtered here.
 */
async function listJobs(
  ctx: CommandContext,
  options: ListOptions,
  limit: number,
): Promise<{ jobs: JobView[]; source: string }> {
  const states = (options.status ?? '')
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const since = parseSince(options.since);
  const jobs: JobView[] = [];
  let cursor: string | undefined;
  for (;;) {
    const url = ctx.api.api('jobs');
    if (options.service) url.searchParams.set('service', options.service);
    if (states.length) url.searchParams.set('status', states.join(','));
    if (since) url.searchParams.set('since', since.toISOString());
    url.searchParams.set('limit', String(Math.min(PAGE, limit - jobs.length)));
    if (cursor) url.searchParams.set('cursor', cursor);
    const answer = await ctx.api.json('GET', url);
    if (answer.status === 404 && jobs.length === 0)
      return { jobs: await fromHistory(ctx, options, states, since, limit), source: 'history' };
    if (answer.status >= 300) throw serverMessage(answer.status, answer.body);
    const body = asObject(answer.body, 'job list');
    for (const job of asArray(body.jobs, 'job list')) jobs.push(jobView(job));
    cursor = typeof body.nextCursor === 'string' && body.nextCursor ? body.nextCursor : undefined;
    if (!cursor || jobs.length >= limit) return { jobs: jobs.slice(0, limit), source: 'server' };
  }
}

async function fromHistory(
  ctx: CommandContext,
  options: ListOptions,
  states: string[],
  since: Date | undefined,
  limit: number,
): Promise<JobView[]> {
  if (!ctx.out.json && ctx.out.live)
    ctx.out.note('this server has no job listing: showing the jobs submitted from here');
  const found: JobView[] = [];
  for (const entry of ctx.history.entries(ctx.server).reverse()) {
    if (found.length >= limit) break;
    if (options.service && entry.service !== options.service) continue;
    const answer = await ctx.api.json('GET', ctx.api.jobUrl(entry.id));
    if (answer.status === 404) continue; // expired or deleted on the server
    if (answer.status >= 300) throw serverMessage(answer.status, answer.body);
    const job = jobView(answer.body);
    if (states.length && !states.includes(job.status)) continue;
    if (since && !(submitted(job) >= since.getTime())) continue;
    found.push(job);
  }
  return found;
}

const cell = (value: string | string[] | undefined): string =>
  value === undefined ? '' : Array.isArray(value) ? JSON.stringify(value) : value;

/** `list`: newest first; `--csv` writes one row per job and one column per parameter. */
export async function listCommand(ctx: CommandContext, options: ListOptions): Promise<void> {
  const { jobs, source } = await listJobs(ctx, options, parseLimit(options.limit));
  if (options.csv) {
    const parameters: string[] = [];
    for (const job of jobs)
      for (const key of Object.keys(job.parameters))
        if (!parameters.includes(key)) parameters.push(key);
    const fixed = ['id', 'service', 'status', 'submissionTime', 'completionTime'];
    // CSV is for programs and spreadsheets: the exact values, not terminal-escaped ones.
    let text = csvRow([...fixed, ...parameters]);
    for (const job of jobs)
      text += csvRow([
        job.id,
        job.service,
        job.status,
        job.submissionTime ?? '',
        job.completionTime ?? '',
        ...parameters.map((p) => cell(job.parameters[p])),
      ]);
    // On a terminal escape sequences are still made inert; a file or pipe gets the exact bytes.
    ctx.out.stdout.write(ctx.out.tty ? safeLog(text) : text);
    return;
  }
  if (ctx.out.json) {
    ctx.out.printJson({ source, jobs });
    return;
  }
  ctx.out.table(
    ['id', 'service', 'status', 'submitted', 'completed'],
    jobs.map((j) => [j.id, j.service, j.status, j.submissionTime ?? '', j.completionTime ?? '']),
  );
}
