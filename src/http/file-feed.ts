import { watch, type FSWatcher } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { isFinished, type Job } from '../jobs';
import { FeedSubscriber, outputEvent, type FeedSource } from './feed-subscriber';
import type { JobWatcher } from './job-watcher';
import { openConfined } from './send-file-bytes';
import { utf8Boundary } from './utf8-boundary';

/** A followed file's new bytes are read and sent at most once per this many ms. */
export const BATCH_MS = 200;
/** The most one output event sent to all live subscribers carries. */
export const EVENT_BYTES = 64 * 1024;
/** Events read per batch before other work gets a turn. */
const READS_PER_BATCH = 8;
const KEEP_ALIVE_MS = 15_000;
const KEEP_ALIVE = Buffer.from(': keep-alive\n\n');

export interface FileFeedOptions {
  job: Job;
  watcher: JobWatcher;
  pollIntervalMs: number;
  /** Called once, when the feed closed (its last subscriber left, or the server shuts down). */
  onClosed: () => void;
}

/**
 * One followed output of one job, shared by all its streams: one open file, one fs.watch, one
 * poll timer, one job watch and one read per batch, however many streams follow it. The feed
 * keeps the live edge (the byte offset up to which it has read, always on a UTF-8 character
 * boundary); each batch it reads the new bytes once, encodes one event and writes that same
 * Buffer to every stream at the edge. A stream elsewhere (resuming, starting at `?from=`, or a
 * slow reader that fell behind) reads the file itself until it reaches the edge, pull-based, and
 * then joins the live ones (feed-subscriber.ts).
 */
export class FileFeed implements FeedSource {
  edge: number;
  ended = false;
  closed = false;
  private readonly live = new Set<FeedSubscriber>();
  private readonly all = new Set<FeedSubscriber>();
  private readonly buffer = Buffer.allocUnsafe(EVENT_BYTES);
  /** Set once the job is seen finished: the next batch reads to the end and ends the streams. */
  private finishing = false;
  private reading = false;
  private again = false;
  /** The last batch stopped at READS_PER_BATCH with bytes left to read. */
  private more = false;
  private lastReadAt = 0;
  private lastSentAt = Date.now();
  private batch: NodeJS.Timeout | null = null;
  private readonly poll: NodeJS.Timeout;
  private readonly fsWatcher: FSWatcher | null;
  private stopWatchingJob: () => void = () => undefined;

  private constructor(
    private readonly file: string,
    readonly handle: FileHandle,
    edge: number,
    private readonly options: FileFeedOptions,
  ) {
    this.edge = edge;
    // Finds writes that send no change notice (a cluster job's, on NFS) and keeps proxies from
    // closing quiet streams.
    this.poll = setInterval(() => this.tick(), options.pollIntervalMs);
    this.fsWatcher = this.watchFile();
    const finished = (job: Job): void => {
      if (isFinished(job.state)) this.finish();
    };
    // A server shutting down closes the feed right here.
    this.stopWatchingJob = options.watcher.watch(options.job, finished, () => this.close());
    if (!this.closed) finished(options.job);
  }

  /** Opens the file and starts at its current end (cut back to a character boundary). */
  static async open(file: string, options: FileFeedOptions): Promise<FileFeed> {
    const handle = await openConfined(file);
    try {
      const { size } = await handle.stat();
      const tail = Buffer.alloc(Math.min(3, size));
      const { bytesRead } = await handle.read(tail, 0, tail.length, size - tail.length);
      const edge = size - bytesRead + utf8Boundary(tail, bytesRead);
      return new FileFeed(file, handle, edge, options);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  /** Starts a stream from its offset; false if the feed has closed (the stream must end). */
  add(subscriber: FeedSubscriber): boolean {
    if (this.closed) return false;
    this.all.add(subscriber);
    subscriber.pump();
    return true;
  }

  join(subscriber: FeedSubscriber): void {
    this.live.add(subscriber);
  }

  remove(subscriber: FeedSubscriber): void {
    this.live.delete(subscriber);
    this.all.delete(subscriber);
    if (this.all.size === 0) this.close();
  }

  read(buffer: Buffer, length: number, position: number): Promise<{ bytesRead: number }> {
    return this.handle.read(buffer, 0, length, position);
  }

  /** Ends every stream (server shutdown) and frees the file. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.poll);
    if (this.batch) clearTimeout(this.batch);
    this.fsWatcher?.close();
    this.stopWatchingJob();
    for (const subscriber of [...this.all]) subscriber.close();
    // Waits for a read in flight (FileHandle counts its operations).
    void this.handle.close().catch(() => undefined);
    this.options.onClosed();
  }

  private watchFile(): FSWatcher | null {
    try {
      const watcher = watch(this.file, { persistent: false }, () => this.notice());
      watcher.on('error', () => watcher.close());
      return watcher;
    } catch {
      return null;
    }
  }

  /** A change notice: read now if the last batch was long enough ago, else at the next slot. */
  private notice(): void {
    if (this.batch || this.closed) return;
    const waitMs = Math.max(0, this.lastReadAt + BATCH_MS - Date.now());
    this.batch = setTimeout(() => {
      this.batch = null;
      this.readNew();
    }, waitMs);
  }

  private tick(): void {
    const now = Date.now();
    if (now - this.lastReadAt >= this.options.pollIntervalMs) this.readNew();
    if (now - this.lastSentAt >= KEEP_ALIVE_MS) {
      this.lastSentAt = now;
      for (const subscriber of this.live) subscriber.offer(KEEP_ALIVE, this.edge);
    }
  }

  /**
   * The job ended: its files are complete once their writers closed them. One more poll interval
   * lets a shared filesystem's attribute cache catch up before the last read.
   */
  private finish(): void {
    if (this.finishing) return;
    this.finishing = true;
    setTimeout(() => this.readNew(), this.options.pollIntervalMs).unref();
  }

  /** One batch; batches never overlap, and one asked for during a batch runs after it. */
  private readNew(): void {
    if (this.closed || this.ended) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    this.again = false;
    this.lastReadAt = Date.now();
    this.readBatch()
      .catch(() => this.close())
      .finally(() => {
        this.reading = false;
        if (this.more) setImmediate(() => this.readNew());
        else if (this.again) this.notice();
      });
  }

  private async readBatch(): Promise<void> {
    const final = this.finishing;
    this.more = false;
    for (let reads = 0; final || reads < READS_PER_BATCH; reads++) {
      const { bytesRead } = await this.handle.read(this.buffer, 0, EVENT_BYTES, this.edge);
      if (this.closed) return;
      // The last read takes what is there, even half a character (it decodes to U+FFFD).
      const length = final ? bytesRead : utf8Boundary(this.buffer, bytesRead);
      if (length === 0) break;
      this.broadcast(this.buffer.subarray(0, length));
      if (bytesRead < EVENT_BYTES) break;
      // Still more: the next batch comes at once, after other work had its turn.
      if (!final && reads === READS_PER_BATCH - 1) this.more = true;
    }
    if (final) this.ended = true;
    // Streams elsewhere than the edge go on from where they are (and end, once the feed has).
    for (const subscriber of this.all) if (!this.live.has(subscriber)) subscriber.pump();
    if (final) {
      for (const subscriber of [...this.live]) subscriber.end();
    }
  }

  /** Encodes the bytes once and writes the same Buffer to every live stream. */
  private broadcast(bytes: Buffer): void {
    this.edge += bytes.length;
    if (this.live.size === 0) return;
    const event = outputEvent(bytes, this.edge);
    this.lastSentAt = Date.now();
    for (const subscriber of [...this.live]) {
      // A stream whose socket still holds too much falls behind and reads the file itself.
      if (!subscriber.offer(event, this.edge)) {
        this.live.delete(subscriber);
        subscriber.pump();
      }
    }
  }
}
