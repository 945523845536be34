import type { FileHandle } from 'node:fs/promises';
import type { Request, Response } from 'express';
import { isFinished, type Job } from '../jobs';
import type { FileChangeHub } from './file-change-hub';
import { HttpError } from './http-error';
import type { JobWatcher } from './job-watcher';
import { openConfined } from './send-file-bytes';
import { utf8Boundary } from './utf8-boundary';

/** Bytes read per event: with the socket's own buffer, all a connection ever holds. */
export const CHUNK_BYTES = 16 * 1024;
const KEEP_ALIVE_MS = 15_000;
const OFFSET = /^\d{1,15}$/;

/** Where a stream starts: `Last-Event-ID` (a reconnect) wins over `?from=`; else byte 0. */
function startOffset(req: Request): { offset: number; resumed: boolean } {
  const header = req.headers['last-event-id'];
  if (typeof header === 'string' && header.trim() !== '') {
    if (!OFFSET.test(header.trim())) throw badOffset('Last-Event-ID');
    return { offset: Number(header.trim()), resumed: true };
  }
  const from = req.query.from;
  if (from === undefined || from === '') return { offset: 0, resumed: false };
  if (typeof from !== 'string' || !OFFSET.test(from)) throw badOffset('from');
  return { offset: Number(from), resumed: false };
}

const badOffset = (parameter: string): HttpError =>
  new HttpError(400, 'invalid_offset', `${parameter} must be a byte offset (a whole number)`, {
    parameter,
  });

export interface FileEventOptions {
  /** The output's real, confined path. */
  file: string;
  job: Job;
  watcher: JobWatcher;
  pollIntervalMs: number;
  /** Shared, batched change notices of followed files. */
  changes: FileChangeHub;
  /** Gives back the stream's place in the FileEventGate; called once when the stream ends. */
  release: () => void;
}

/**
 * Server-Sent Events over one output file: `event: output` whose data is a JSON string of the new
 * text and whose id is the byte offset after it, then `event: end` (id: the final size) once the
 * job has finished and the file has stopped growing. Reading is pull-based: the next chunk is read
 * only after the socket took the last one, so a slow reader holds one chunk, never a backlog.
 */
export async function streamFileEvents(
  req: Request,
  res: Response,
  options: FileEventOptions,
): Promise<void> {
  let handle: FileHandle;
  let size: number;
  let start: { offset: number; resumed: boolean };
  try {
    start = startOffset(req);
    handle = await openConfined(options.file);
    size = (await handle.stat()).size;
  } catch (error) {
    options.release();
    throw error;
  }
  // A browser reconnecting after `end`: 204 stops EventSource from retrying.
  if (start.resumed && isFinished(options.job.state) && start.offset >= size) {
    options.release();
    await handle.close().catch(() => undefined);
    res.status(204).end();
    return;
  }
  new FileTail(res, handle, start.offset, options).start();
}

class FileTail {
  private readonly buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private readonly decoder = new TextDecoder('utf-8');
  private closed = false;
  private reading = false;
  private again = false;
  /** Set when the job is seen finished; the stream ends after the next read that finds no more. */
  private finishing = false;
  private finishScheduled = false;
  private poll: NodeJS.Timeout | null = null;
  private keepAlive: NodeJS.Timeout | null = null;
  private unsubscribe: () => void = () => undefined;
  private lastPumpAt = 0;
  private stopWatching: () => void = () => undefined;

  constructor(
    private readonly res: Response,
    private readonly handle: FileHandle,
    private offset: number,
    private readonly options: FileEventOptions,
  ) {}

  start(): void {
    this.res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    this.res.write('retry: 2000\n\n');
    this.res.once('close', () => this.close());
    this.keepAlive = setInterval(() => this.res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    this.poll = setInterval(() => {
      // Only when no change notice woke the stream meanwhile.
      if (Date.now() - this.lastPumpAt >= this.options.pollIntervalMs) this.pump();
    }, this.options.pollIntervalMs);
    // Local writes are seen within the hub's batch; on NFS (no notices of remote writes) the poll
    // finds them.
    this.unsubscribe = this.options.changes.subscribe(this.options.file, () => this.pump());
    if (isFinished(this.options.job.state)) this.finish();
    else {
      this.stopWatching = this.options.watcher.watch(
        this.options.job,
        (job) => {
          if (isFinished(job.state)) this.finish();
        },
        () => this.close(),
      );
    }
    this.pump();
  }

  /**
   * The job ended: its files are complete once their writers closed them. One more poll interval
   * lets a shared filesystem's attribute cache catch up before the last read.
   */
  private finish(): void {
    if (this.finishScheduled) return;
    this.finishScheduled = true;
    setTimeout(() => {
      this.finishing = true;
      this.pump();
    }, this.options.pollIntervalMs).unref();
  }

  /** Reads and sends until the file has no more; re-runs once if woken while reading. */
  private pump(): void {
    if (this.closed) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    this.again = false;
    this.lastPumpAt = Date.now();
    this.readAll()
      .catch(() => this.close())
      .finally(() => {
        this.reading = false;
        if (this.again) this.pump();
      });
  }

  private async readAll(): Promise<void> {
    const final = this.finishing;
    const { changes, file } = this.options;
    while (!this.closed) {
      // The last read may end mid-character, so shared chunks are for streams not finishing.
      const shared = final ? undefined : changes.chunkAt(file, this.offset);
      if (shared) {
        this.offset = shared.end;
        if (!this.res.write(shared.event)) await this.drained();
        continue;
      }
      const { bytesRead } = await this.handle.read(this.buffer, 0, CHUNK_BYTES, this.offset);
      if (bytesRead === 0) break;
      let length = utf8Boundary(this.buffer, bytesRead);
      // Only part of a character so far: wait for its rest, unless nothing more will come.
      if (length === 0 && !final) break;
      if (length === 0) length = bytesRead;
      const start = this.offset;
      this.offset += length;
      const text = this.decoder.decode(this.buffer.subarray(0, length));
      const event = `event: output\nid: ${this.offset}\ndata: ${JSON.stringify(text)}\n\n`;
      if (!final) changes.keepChunk(file, start, { end: this.offset, event });
      if (!this.res.write(event)) await this.drained();
      if (length < bytesRead && !final && bytesRead < CHUNK_BYTES) break;
    }
    if (final && !this.closed) {
      this.res.write(`event: end\nid: ${this.offset}\ndata: {"size":${this.offset}}\n\n`);
      this.close();
    }
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.poll) clearInterval(this.poll);
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.unsubscribe();
    this.stopWatching();
    this.options.release();
    if (!this.res.writableEnded) this.res.end();
    // Waits for a read in flight (FileHandle counts its operations).
    void this.handle.close().catch(() => undefined);
  }
}
