import type { CommandContext } from './command-context';
import { multipart, parseFields, urlencoded, type FormField } from './form-body';
import type { StreamedBody } from './http-request';
import { jobView, serverMessage, type JobView } from './resources';
import { safeText } from './terminal-text';
import { TransferProgress } from './transfer-progress';

/** A submission body: urlencoded without files (as slivka's clients send), multipart with. */
function formBody(
  ctx: CommandContext,
  fields: readonly FormField[],
): { body: Buffer | StreamedBody; contentType?: string } {
  if (fields.some((f) => 'file' in f)) {
    return {
      body: multipart(fields, (total) => new TransferProgress('upload', total, ctx.out.stderr)),
    };
  }
  return { body: urlencoded(fields), contentType: 'application/x-www-form-urlencoded' };
}

/** Uploads may take long; the server answers only once the whole body has arrived. */
const UPLOAD_IDLE_MS = 120_000;

async function post(ctx: CommandContext, url: URL, fields: readonly FormField[]) {
  const { body, contentType } = formBody(ctx, fields);
  return ctx.api.json('POST', url, {
    body,
    contentType,
    idleTimeoutMs: Math.max(ctx.api.timeoutMs, UPLOAD_IDLE_MS),
  });
}

/** The job is on the server already: a history that cannot be written only loses `last`. */
function remember(ctx: CommandContext, job: JobView): void {
  try {
    ctx.history.add({
      id: job.id,
      server: ctx.server,
      service: job.service,
      submittedAt: new Date().toISOString(),
    });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    ctx.out.note(`warning: cannot record the job for 'last' (${safeText(reason)})`);
  }
}

function report(ctx: CommandContext, job: JobView, extra: Record<string, unknown> = {}): void {
  if (ctx.out.json) {
    ctx.out.printJson({ ...job, ...extra });
    return;
  }
  ctx.out.line(safeText(job.id));
  if (ctx.out.live)
    ctx.out.note(
      `submitted ${safeText(job.service)} job ${safeText(job.id)}: damson jobs wait last`,
    );
}

/** `submit SERVICE key=value ... key=@path`. */
export async function submitCommand(
  ctx: CommandContext,
  service: string,
  pairs: string[],
): Promise<void> {
  const fields = parseFields(pairs);
  const answer = await post(
    ctx,
    ctx.api.api(`services/${encodeURIComponent(service)}/jobs`),
    fields,
  );
  if (answer.status >= 300) throw serverMessage(answer.status, answer.body);
  const job = jobView(answer.body);
  remember(ctx, job);
  report(ctx, job);
}

/** A file field replaced by the id of its upload. */
async function uploaded(ctx: CommandContext, field: FormField): Promise<FormField> {
  if (!('file' in field)) return field;
  const answer = await post(ctx, ctx.api.api('files'), [{ key: 'file', file: field.file }]);
  if (answer.status >= 300) throw serverMessage(answer.status, answer.body);
  const body = answer.body as { id?: unknown } | undefined;
  if (typeof body?.id !== 'string') throw serverMessage(502, undefined);
  return { key: field.key, value: body.id };
}

/** The job's parameters as form fields, with `overrides` replacing whole parameters. */
export function resubmission(job: JobView, overrides: readonly FormField[]): FormField[] {
  const replaced = new Set(overrides.map((f) => f.key));
  const fields: FormField[] = [];
  for (const [key, value] of Object.entries(job.parameters)) {
    if (replaced.has(key)) continue;
    for (const one of Array.isArray(value) ? value : [value]) fields.push({ key, value: one });
  }
  return [...fields, ...overrides];
}

/**
 * `rerun [ID] [key=value ...]`: the server's `POST <job>/rerun` where it has one; otherwise the
 * job's own parameters (files by reference: upload ids and `jobId/path` as the job echoes them)
 * are submitted again to its service, with the overrides.
 */
export async function rerunCommand(
  ctx: CommandContext,
  id: string | undefined,
  pairs: string[],
): Promise<void> {
  const original = await ctx.api.job(ctx.jobId(id));
  // Files go up first (`POST /files`, slivka's too), so the rerun body is small and can be
  // sent again to the fallback without uploading twice.
  const overrides = await Promise.all(parseFields(pairs).map((f) => uploaded(ctx, f)));
  const rerunUrl = new URL(`${ctx.api.link(original.url).href}/rerun`);
  const answer = await post(ctx, rerunUrl, overrides);
  let via = 'rerun';
  let job: JobView;
  if (answer.status < 300) job = jobView(answer.body);
  else if (answer.status === 404 || answer.status === 405 || answer.status === 501) {
    via = 'resubmit';
    const again = await post(
      ctx,
      ctx.api.api(`services/${encodeURIComponent(original.service)}/jobs`),
      resubmission(original, overrides),
    );
    if (again.status >= 300) throw serverMessage(again.status, again.body);
    job = jobView(again.body);
  } else throw serverMessage(answer.status, answer.body);
  remember(ctx, job);
  report(ctx, job, { rerunOf: original.id, via });
}
