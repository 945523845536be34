import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { CommandContext } from './command-context';
import { confinedTarget } from './confined-path';
import { downloadFile, type DownloadResult } from './download-file';
import { EXIT, usageError, type ExitCode } from './exit-codes';
import { parseInterval } from './job-commands';
import { readEvents } from './sse-reader';
import { serverMessage, type FileView, type JobView } from './resources';
import { safeLog, safeText } from './terminal-text';

/** `files [ID]`. */
export async function filesCommand(ctx: CommandContext, id: string | undefined): Promise<void> {
  const job = await ctx.api.job(ctx.jobId(id));
  const files = await ctx.api.files(job);
  if (ctx.out.json) {
    ctx.out.printJson({ job: job.id, status: job.status, files });
    return;
  }
  ctx.out.table(
    ['path', 'label', 'media type'],
    files.map((f) => [f.path, f.label, f.mediaType]),
  );
}

const DEFAULT_MAX_BYTES = 10 * 1024 ** 3;

function parseSize(value: string | undefined): number {
  if (value === undefined) return DEFAULT_MAX_BYTES;
  const bytes = Number(value);
  if (!Number.isInteger(bytes) || bytes < 1)
    throw usageError('--max-size must be a number of bytes');
  return bytes;
}

/** `download [ID] [DIR]`: every output (or `--file` ones) under DIR (default `./<job id>`). */
export async function downloadCommand(
  ctx: CommandContext,
  id: string | undefined,
  directory: string | undefined,
  options: { file?: string[]; maxSize?: string },
): Promise<void> {
  const maxBytes = parseSize(options.maxSize);
  const job = await ctx.api.job(ctx.jobId(id));
  const wanted = options.file?.length ? new Set(options.file) : null;
  const files = (await ctx.api.files(job)).filter((f) => !wanted || wanted.has(f.path));
  if (wanted && files.length < wanted.size) {
    const missing = [...wanted].filter((p) => !files.some((f) => f.path === p));
    throw usageError(`job ${job.id} has no output ${missing.map((m) => `'${m}'`).join(', ')}`);
  }
  const root = path.resolve(directory ?? job.id);
  // Every path is checked before anything is written, so a hostile list writes nothing.
  const targets = files.map((f) => ({ file: f, target: confinedTarget(root, f.path) }));
  const results: DownloadResult[] = [];
  for (const { file, target } of targets) {
    const result = await downloadFile(
      ctx.api,
      ctx.api.link(file.content),
      file.path,
      target,
      ctx.out.stderr,
      maxBytes,
    );
    results.push(result);
    if (!ctx.out.json) {
      const how = result.resumedFrom
        ? ` (resumed at ${result.resumedFrom})`
        : result.restarted
          ? ' (restarted)'
          : '';
      ctx.out.line(
        `${safeText(path.relative(process.cwd(), target) || target)}  ${result.bytes} bytes${how}`,
      );
    }
  }
  if (ctx.out.json) ctx.out.printJson({ job: job.id, directory: root, files: results });
}

type TailMethod = 'sse' | 'range' | 'whole';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MAX_JSON_TEXT = 16 * 1024 * 1024;

/** Writes log bytes: escaped text on a terminal (no escape sequence from the tool gets through), raw bytes otherwise. */
class LogWriter {
  private readonly decoder = new StringDecoder('utf8');
  text = '';
  bytes = 0;

  constructor(private readonly ctx: CommandContext) {}

  write(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.ctx.out.json) {
      if (this.text.length < MAX_JSON_TEXT) this.text += this.decoder.write(chunk);
    } else if (this.ctx.out.tty) this.ctx.out.stdout.write(safeLog(this.decoder.write(chunk)));
    else this.ctx.out.stdout.write(chunk);
  }
}

async function findFile(
  ctx: CommandContext,
  job: JobView,
  which: string,
  follow: boolean,
  intervalMs: number,
): Promise<FileView> {
  for (;;) {
    const file = (await ctx.api.files(job)).find((f) => f.path === which);
    if (file) return file;
    if (!follow || job.finished) throw usageError(`job ${job.id} has no output '${which}'`);
    await sleep(intervalMs);
    job = await ctx.api.jobAt(ctx.api.link(job.url));
  }
}

/**
 * `tail [ID] [PATH]` (default stdout): prints the output and, with follow (the default), what
 * is written to it until the job ends. Uses the server's output event stream where it has one
 * (`<file>/events`, event ids are byte offsets), else asks for the new bytes with `Range`, else
 * fetches the whole file each time and prints what is new.
 */
export async function tailCommand(
  ctx: CommandContext,
  id: string | undefined,
  which: string | undefined,
  options: { follow?: boolean; interval?: string },
): Promise<ExitCode> {
  const intervalMs = parseInterval(options.interval ?? '1');
  const follow = options.follow !== false;
  const job = await ctx.api.job(ctx.jobId(id));
  const file = await findFile(ctx, job, which ?? 'stdout', follow, intervalMs);
  const writer = new LogWriter(ctx);
  let method: TailMethod = 'sse';
  if (!follow || !(await streamEvents(ctx, file, writer))) {
    method = 'range';
    const content = ctx.api.link(file.content);
    const jobUrl = ctx.api.link(job.url);
    let offset = 0;
    for (;;) {
      const ended = !follow || (await ctx.api.jobAt(jobUrl)).finished;
      const got = await readFrom(ctx, content, offset, method, writer);
      if (got.whole) method = 'whole';
      offset = got.offset;
      if (ended && got.none) break;
      if (!got.none && !follow) break;
      if (got.none) await sleep(intervalMs);
    }
  }
  if (ctx.out.json)
    ctx.out.printJson({
      job: job.id,
      path: file.path,
      via: method,
      bytes: writer.bytes,
      text: writer.text,
    });
  return EXIT.ok;
}

/** True when the server streamed the output to its end; false when it has no such stream. */
async function streamEvents(
  ctx: CommandContext,
  file: FileView,
  writer: LogWriter,
): Promise<boolean> {
  const url = new URL(`${ctx.api.link(file.url).href}/events`);
  let lastId: string | undefined;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const res = await ctx.api.request('GET', url, {
      headers: { Accept: 'text/event-stream', ...(lastId ? { 'Last-Event-ID': lastId } : {}) },
      idleTimeoutMs: 45_000,
    });
    if (res.statusCode === 204) return true;
    if (
      res.statusCode !== 200 ||
      !String(res.headers['content-type'] ?? '').startsWith('text/event-stream')
    ) {
      res.resume();
      if (lastId === undefined) return false;
      throw serverMessage(res.statusCode ?? 0, undefined);
    }
    try {
      for await (const event of readEvents(res)) {
        if (event.event !== 'output') continue;
        writer.write(Buffer.from(outputText(event.data), 'utf8'));
        if (event.id !== undefined) lastId = event.id;
      }
      return true;
    } catch {
      // broken off: resume from the last byte offset seen
    } finally {
      res.destroy();
    }
  }
  return true;
}

/** An output event's text: its data is a JSON string (a server that sends anything else is wrong). */
function outputText(data: string): string {
  const text: unknown = JSON.parse(data);
  if (typeof text !== 'string') throw new Error('an output event that is not text');
  return text;
}

/** One read of the output from `offset`: with Range where the server honours it. */
async function readFrom(
  ctx: CommandContext,
  content: URL,
  offset: number,
  method: TailMethod,
  writer: LogWriter,
): Promise<{ offset: number; none: boolean; whole: boolean }> {
  const ranged = method === 'range' && offset > 0;
  const res = await ctx.api.request('GET', content, {
    headers: ranged ? { Range: `bytes=${offset}-` } : {},
  });
  const status = res.statusCode ?? 0;
  if (status === 416) {
    res.resume();
    return { offset, none: true, whole: false };
  }
  if (status !== 200 && status !== 206) {
    res.resume();
    throw serverMessage(status, undefined);
  }
  // 200 to a range request: the server ignores Range; skip what was already printed.
  let skip = status === 200 ? offset : 0;
  let next = status === 200 ? 0 : offset;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    let piece = chunk;
    if (skip > 0) {
      const dropped = Math.min(skip, piece.length);
      skip -= dropped;
      next += dropped;
      piece = piece.subarray(dropped);
    }
    if (piece.length) writer.write(piece);
    next += piece.length;
  }
  return { offset: next, none: next === offset, whole: ranged && status === 200 };
}
