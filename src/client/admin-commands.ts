import type { CommandContext } from './command-context';
import { usageError } from './exit-codes';
import { asArray, asObject, type Json } from './resources';

/** `--service <id>` or `--runner <kind>`: exactly one. */
export interface PauseOptions {
  service?: string;
  runner?: string;
  reason?: string;
}

export interface CancelOptions {
  service?: string;
  status?: string;
  before?: string;
  after?: string;
  limit?: string;
  yes?: boolean;
}

/** A `--yes` cancel asks again while jobs remain, at most this many times. */
const MAX_CANCEL_ROUNDS = 100;

const cell = (value: unknown): string =>
  value === null || value === undefined ? '' : String(value);

function adminUrl(
  ctx: CommandContext,
  path: string,
  query: Record<string, string | undefined> = {},
) {
  const url = ctx.api.api(`admin/${path}`);
  for (const [key, value] of Object.entries(query))
    if (value !== undefined) url.searchParams.set(key, value);
  return url;
}

/** `admin agents`. */
export async function agentsCommand(ctx: CommandContext): Promise<void> {
  const body = asObject(await ctx.api.ok('GET', adminUrl(ctx, 'agents')), 'agent list');
  if (ctx.out.json) {
    ctx.out.printJson(body);
    return;
  }
  const agents = asArray(body.agents, 'agent list').map((a) => asObject(a, 'agent'));
  ctx.out.table(
    ['name', 'kinds', 'state', 'busy', 'free', 'jobs', 'last heard'],
    agents.map((a) => [
      cell(a.name),
      Array.isArray(a.kinds) ? a.kinds.join(',') : '',
      cell(a.state),
      cell(a.busy),
      cell(a.free),
      Array.isArray(a.jobs) ? a.jobs.length : '',
      cell(a.lastHeard),
    ]),
  );
}

/** `admin pauses`. */
export async function pausesCommand(ctx: CommandContext): Promise<void> {
  const body = asObject(await ctx.api.ok('GET', adminUrl(ctx, 'pauses')), 'pause list');
  if (ctx.out.json) {
    ctx.out.printJson(body);
    return;
  }
  const pauses = asArray(body.pauses, 'pause list').map((p) => asObject(p, 'pause'));
  ctx.out.table(
    ['kind', 'name', 'reason', 'paused by', 'since'],
    pauses.map((p) => [
      cell(p.kind),
      cell(p.name),
      cell(p.reason),
      cell(p.pausedBy),
      cell(p.pausedAt),
    ]),
  );
}

function pauseTarget(options: PauseOptions): string {
  if ((options.service === undefined) === (options.runner === undefined))
    throw usageError('give exactly one of --service <id> or --runner <kind>');
  return options.service !== undefined
    ? `services/${encodeURIComponent(options.service)}`
    : `runners/${encodeURIComponent(options.runner ?? '')}`;
}

/** `admin pause` and `admin resume`. */
export async function pauseCommand(
  ctx: CommandContext,
  action: 'pause' | 'resume',
  options: PauseOptions,
): Promise<void> {
  if (action === 'resume' && options.reason !== undefined)
    throw usageError('--reason goes with pause, not resume');
  const url = adminUrl(ctx, `${pauseTarget(options)}/${action}`, { reason: options.reason });
  const body = asObject(await ctx.api.ok('POST', url), 'answer');
  if (ctx.out.json) ctx.out.printJson(body);
  else {
    const what = `${cell(body.kind)} ${cell(body.name)}`;
    const verb = action === 'pause' ? 'paused' : 'resumed';
    ctx.out.line(body.changed ? `${what} ${verb}` : `${what} was already ${verb}`);
  }
}

/** `admin drain` and `admin undrain`. */
export async function drainCommand(
  ctx: CommandContext,
  agent: string,
  drain: boolean,
): Promise<void> {
  const url = adminUrl(ctx, `agents/${encodeURIComponent(agent)}/drain`);
  const body = asObject(await ctx.api.ok(drain ? 'POST' : 'DELETE', url), 'answer');
  if (ctx.out.json) ctx.out.printJson(body);
  else if (drain)
    ctx.out.line(
      `${cell(body.agent)} ${body.changed ? 'is draining' : 'was already draining'}: ` +
        '`damson admin agents` says drained once its jobs are done',
    );
  else ctx.out.line(`${cell(body.agent)} takes jobs again`);
}

/**
 * `admin cancel`: without `--yes` a dry run (how many jobs match); with it, cancels them, asking
 * again while the server says more remain.
 */
export async function cancelJobsCommand(
  ctx: CommandContext,
  options: CancelOptions,
): Promise<void> {
  const query = {
    service: options.service,
    status: options.status,
    before: options.before,
    after: options.after,
    limit: options.limit,
  };
  if (!options.yes) {
    const body = asObject(
      await ctx.api.ok('POST', adminUrl(ctx, 'jobs/cancel', { ...query, 'dry-run': 'true' })),
      'answer',
    );
    if (ctx.out.json) ctx.out.printJson(body);
    else
      ctx.out.line(
        `${cell(body.matched)}${body.more ? ' or more' : ''} jobs match; ` +
          'run again with --yes to cancel them',
      );
    return;
  }
  const totals: Record<string, number> = { matched: 0, deleted: 0, cancelling: 0, finished: 0 };
  let last: Json = {};
  for (let round = 0; round < MAX_CANCEL_ROUNDS; round++) {
    last = asObject(await ctx.api.ok('POST', adminUrl(ctx, 'jobs/cancel', query)), 'answer');
    for (const key of Object.keys(totals))
      totals[key] += typeof last[key] === 'number' ? last[key] : 0;
    const progress = Number(last.deleted ?? 0) + Number(last.cancelling ?? 0);
    if (!last.more || progress === 0) break;
  }
  if (ctx.out.json) ctx.out.printJson({ ...totals, more: last.more === true });
  else
    ctx.out.line(
      `cancelled ${totals.matched} jobs: ${totals.deleted} deleted, ${totals.cancelling} ` +
        `being interrupted, ${totals.finished} had already finished` +
        (last.more ? '; more remain, run again' : ''),
    );
}
