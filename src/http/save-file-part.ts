import { createWriteStream, writeFile, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PRIVATE_FILE_MODE } from '../lifecycle/private-paths';

/** Parts up to this size are held in memory and written with one call once complete. */
export const SMALL_PART_BYTES = 64 * 1024;

/** The disk refused a write (ENOSPC, EDQUOT, EIO, EMFILE, EACCES...): the server's fault, not the client's. */
export class PartWriteError extends Error {
  readonly code: string;
  constructor(override readonly cause: unknown) {
    super('an upload part could not be written');
    this.code = String((cause as NodeJS.ErrnoException | undefined)?.code ?? 'EIO');
  }
}

export interface PartWrite {
  /**
   * Settles once nothing more will be written (fulfilled even after abort). Rejects with a
   * PartWriteError when the disk failed, or with the part stream's own error.
   */
  done: Promise<void>;
  /** Stops writing; the caller removes whatever reached the disk. */
  abort(): void;
}

/**
 * Writes one uploaded part to `target`. Most parts (sequence files, small inputs) are small: they
 * are kept in memory and written with one writeFile once complete (off the event loop: creating a
 * file in a large uploads directory can block for a while). A part that grows past
 * SMALL_PART_BYTES streams to disk instead, so memory stays bounded per part. A small part's
 * bytes go to `onWholeInMemory` once written, so its media type can be checked without reading
 * the file back.
 */
export function saveFilePart(
  stream: Readable,
  target: string,
  onWholeInMemory: (bytes: Buffer) => void = () => undefined,
): PartWrite {
  const held: Buffer[] = [];
  let heldBytes = 0;
  let sink: WriteStream | null = null;
  let sinkError: unknown = null;
  let aborted = false;
  let settle: (error?: unknown) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  // A streaming write can fail while the caller is still parsing, before it awaits `done`: an
  // unhandled rejection would end the process. The caller reads the outcome through its own
  // handlers; this one only marks the rejection as handled.
  done.catch(() => undefined);
  const onData = (chunk: Buffer): void => {
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes <= SMALL_PART_BYTES) return;
    stream.off('data', onData);
    stream.off('end', onEnd);
    stream.pause();
    const out = createWriteStream(target, { flags: 'wx', mode: PRIVATE_FILE_MODE });
    sink = out;
    out.once('error', (error) => (sinkError ??= error));
    out.write(Buffer.concat(held));
    held.length = 0;
    pipeline(stream, out).then(
      () => settle(),
      (error: unknown) => settle(sinkError && !aborted ? new PartWriteError(sinkError) : error),
    );
  };
  let writing = false;
  const onEnd = (): void => {
    if (aborted) return;
    const bytes = Buffer.concat(held);
    held.length = 0;
    writing = true;
    writeFile(target, bytes, { flag: 'wx', mode: PRIVATE_FILE_MODE }, (error) => {
      if (!error) onWholeInMemory(bytes);
      settle(error ? new PartWriteError(error) : undefined);
    });
  };
  stream.on('data', onData);
  stream.once('end', onEnd);
  stream.once('error', (error) => sink || settle(error));
  return {
    done,
    abort: () => {
      aborted = true;
      // A streaming write settles through its pipeline once the sink is destroyed.
      if (sink) sink.destroy();
      else if (!writing) settle();
      stream.resume();
    },
  };
}
