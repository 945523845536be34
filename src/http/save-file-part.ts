import { createWriteStream, writeFile, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PRIVATE_FILE_MODE } from '../lifecycle/private-paths';

/** Parts up to this size are held in memory and written with one call once complete. */
export const SMALL_PART_BYTES = 64 * 1024;

export interface PartWrite {
  /** Settles once nothing more will be written (fulfilled even after abort). */
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
  let aborted = false;
  let settle: (error?: unknown) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  const onData = (chunk: Buffer): void => {
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes <= SMALL_PART_BYTES) return;
    stream.off('data', onData);
    stream.off('end', onEnd);
    stream.pause();
    sink = createWriteStream(target, { flags: 'wx', mode: PRIVATE_FILE_MODE });
    sink.write(Buffer.concat(held));
    held.length = 0;
    pipeline(stream, sink).then(() => settle(), settle);
  };
  let writing = false;
  const onEnd = (): void => {
    if (aborted) return;
    const bytes = Buffer.concat(held);
    writing = true;
    writeFile(target, bytes, { flag: 'wx', mode: PRIVATE_FILE_MODE }, (error) => {
      if (!error) onWholeInMemory(bytes);
      settle(error);
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
