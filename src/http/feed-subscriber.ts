import type { Response } from 'express';
import { utf8Boundary } from './utf8-boundary';

/** Bytes a stream away from the live edge reads per event: with its socket's buffer, all it holds. */
export const CHUNK_BYTES = 16 * 1024;
/**
 * A live stream whose socket still holds more than this is not sent the next event: it falls
 * behind and reads the file itself once its reader has caught up (pull-based), so a slow reader
 * costs at most this plus one event, and the events it holds are the Buffers all streams share.
 */
export const MAX_QUEUED_BYTES = 256 * 1024;

const decoder = new TextDecoder('utf-8');

/** `event: output` with the text of `bytes` (whole characters) and the offset after them. */
export function outputEvent(bytes: Uint8Array, endOffset: number): Buffer {
  const text = JSON.stringify(decoder.decode(bytes));
  return Buffer.from(`event: output\nid: ${endOffset}\ndata: ${text}\n\n`);
}

/** What a subscriber sees of its feed (file-feed.ts). */
export interface FeedSource {
  /** The offset up to which the feed has read and sent (a character boundary). */
  readonly edge: number;
  /** The job has finished and the feed has read the file to its end. */
  readonly ended: boolean;
  read(buffer: Buffer, length: number, position: number): Promise<{ bytesRead: number }>;
  /** From now on the feed writes each new event to this subscriber (it is at the edge). */
  join(subscriber: FeedSubscriber): void;
  remove(subscriber: FeedSubscriber): void;
}

/**
 * One output event stream: at the feed's edge it is sent the feed's shared events; elsewhere it
 * reads from its own offset up to the edge, one chunk at a time, the next only once its socket
 * took the last, and then joins the edge. Nothing here has a timer of its own.
 */
export class FeedSubscriber {
  private closed = false;
  private pumping = false;
  private again = false;

  constructor(
    private readonly res: Response,
    private offset: number,
    private readonly feed: FeedSource,
    /** Gives back the stream's place in the FileEventGate; called once, when it closes. */
    private readonly release: () => void,
  ) {
    res.once('close', () => this.close());
  }

  /** A live event: written unless the socket still holds too much (then false: fall behind). */
  offer(event: Buffer, endOffset: number): boolean {
    if (this.closed) return true;
    if (this.res.writableLength > MAX_QUEUED_BYTES) return false;
    this.offset = endOffset;
    this.res.write(event);
    return true;
  }

  /** Reads towards the edge unless already doing so; re-runs once if asked meanwhile. */
  pump(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    this.again = false;
    this.catchUp()
      .catch(() => this.close())
      .finally(() => {
        this.pumping = false;
        if (this.again) this.pump();
      });
  }

  /** The feed read the file to its end: the last event says where it ended. */
  end(): void {
    if (this.closed) return;
    this.res.write(`event: end\nid: ${this.offset}\ndata: {"size":${this.offset}}\n\n`);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.feed.remove(this);
    this.release();
    if (!this.res.writableEnded) this.res.end();
  }

  private async catchUp(): Promise<void> {
    let buffer: Buffer | null = null;
    while (!this.closed) {
      const { edge, ended } = this.feed;
      if (this.offset === edge && !ended) {
        // Synchronously after the check: no event of the feed can come in between.
        this.feed.join(this);
        return;
      }
      if (this.offset >= edge) {
        if (ended) this.end();
        // Else past the edge (a `from` ahead of it): the feed pumps again after each batch.
        return;
      }
      buffer ??= Buffer.allocUnsafe(CHUNK_BYTES);
      const wanted = Math.min(CHUNK_BYTES, edge - this.offset);
      const { bytesRead } = await this.feed.read(buffer, wanted, this.offset);
      if (this.closed) return;
      // The edge is a character boundary (or the very end): a read up to it is whole.
      const length = bytesRead === edge - this.offset ? bytesRead : utf8Boundary(buffer, bytesRead);
      // The file is shorter than the feed read it (replaced): nothing more to send from here.
      if (length === 0) {
        if (ended) this.end();
        return;
      }
      this.offset += length;
      if (!this.res.write(outputEvent(buffer.subarray(0, length), this.offset))) {
        await this.drained();
      }
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
}
