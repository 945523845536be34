import { clearLine, cursorTo } from 'node:readline';
import type { CommandContext } from './command-context';
import { EXIT, usageError, type ExitCode } from './exit-codes';
import { JobStates } from './job-states';
import { serverMessage, type JobView } from './resources';
import { safeText } from './terminal-text';

/** `status [ID]`. */
export async function statusCommand(ctx: CommandContext, id: string | undefined): Promise<void> {
  const job = await ctx.api.job(ctx.jobId(id));
  if (ctx.out.json) {
    ctx.out.printJson(job);
    return;
  }
  const rows: unknown[][] = [
    ['id', job.id],
    ['service', job.service],
    ['status', job.status],
    ['submitted', job.submissionTime ?? ''],
    ['completed', job.completionTime ?? ''],
  ];
  if (job.reason) rows.push(['reason', job.reason]);
  for (const [key, value] of Object.entries(job.parameters))
    rows.push([`  ${key}`, Array.isArray(value) ? value.join(', ') : value]);
  if (ctx.out.tty) {
    for (const [key, value] of rows) {
      const shown = key === 'status' ? ctx.out.state(String(value)) : safeText(value);
      ctx.out.line(`${ctx.out.colors.dim(String(key).padEnd(11))} ${shown}`);
    }
  } else ctx.out.table(['field', 'value'], rows);
}

export function parseInterval(value: string | undefined): number {
  const seconds = value === undefined ? 2 : Number(value);
  if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 600)
    throw usageError('--interval must be a number of seconds from 0.1 to 600');
  return seconds * 1000;
}

const SPINNER = ['|', '/', '-', '\\'];

/**
 * `wait [ID]`: follows the job to its end. On a terminal one line shows the live state and the
 * time waited; otherwise one line per state. Exit 0 for COMPLETED, 1 for any other end.
 */
export async function waitCommand(
  ctx: CommandContext,
  id: string | undefined,
  options: { interval?: string },
): Promise<ExitCode> {
  const intervalMs = parseInterval(options.interval);
  const first = await ctx.api.job(ctx.jobId(id));
  const states = new JobStates(ctx.api, intervalMs);
  const seen: { status: string; at: string }[] = [];
  const started = Date.now();
  const live = ctx.out.live && !ctx.out.json;
  const stream = ctx.out.stderr;
  let latest: JobView = first;
  let frame = 0;
  const draw = (): void => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    clearLine(stream, 0);
    cursorTo(stream, 0);
    stream.write(
      `${SPINNER[frame++ % SPINNER.length]} ${safeText(latest.id)}  ${ctx.out.state(latest.status)}  ${seconds}s`,
    );
  };
  const ticker = live ? setInterval(draw, 250) : undefined;
  try {
    for await (const job of states.follow(first)) {
      latest = job;
      seen.push({ status: job.status, at: new Date().toISOString() });
      if (live) draw();
      else if (!ctx.out.json) ctx.out.line(`${safeText(job.id)} ${safeText(job.status)}`);
    }
  } finally {
    if (ticker) clearInterval(ticker);
    if (live) {
      draw();
      stream.write('\n');
    }
  }
  if (ctx.out.json) ctx.out.printJson({ job: latest, via: states.method, states: seen });
  else if (latest.reason && latest.status !== 'COMPLETED')
    ctx.out.note(`reason: ${safeText(latest.reason)}`);
  return latest.status === 'COMPLETED' ? EXIT.ok : EXIT.jobFailed;
}

/** `cancel [ID...]`: a job that already finished is reported, not an error. */
export async function cancelCommand(ctx: CommandContext, ids: string[]): Promise<ExitCode> {
  const targets = (ids.length ? ids : ['last']).map((id) => ctx.jobId(id));
  const result = {
    cancelled: [] as string[],
    finished: [] as { id: string; status: string }[],
    failed: [] as { id: string; error: string }[],
  };
  for (const id of targets) {
    try {
      const answer = await ctx.api.json('DELETE', ctx.api.jobUrl(id));
      if (answer.status < 300) result.cancelled.push(id);
      else if (answer.status === 409) {
        const job = await ctx.api.job(id);
        result.finished.push({ id, status: job.status });
      } else throw serverMessage(answer.status, answer.body);
    } catch (error) {
      if (targets.length === 1) throw error;
      result.failed.push({ id, error: (error as Error).message });
    }
  }
  if (ctx.out.json) ctx.out.printJson(result);
  else {
    for (const id of result.cancelled) ctx.out.line(`${safeText(id)} cancelled`);
    for (const f of result.finished)
      ctx.out.line(`${safeText(f.id)} already finished (${safeText(f.status)})`);
    for (const f of result.failed) ctx.out.note(`${safeText(f.id)}: ${safeText(f.error)}`);
  }
  return result.failed.length ? EXIT.server : EXIT.ok;
}
