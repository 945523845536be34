import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { usageError } from './exit-codes';
import type { StreamedBody } from './http-request';
import { TransferProgress } from './transfer-progress';

/** One `key=value` from the command line; `key=@path` sends the file at path. */
export type FormField = { key: string; value: string } | { key: string; file: string };

const KEY = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * Parses `key=value` arguments: `key=@path` is a file; `key=@@text` sends the text `@text`.
 * Repeating a key sends an array, as slivka's clients do.
 */
export function parseFields(pairs: readonly string[]): FormField[] {
  return pairs.map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`expected key=value, got '${pair}'`);
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (!KEY.test(key)) throw usageError(`not a parameter id: '${key}'`);
    if (value.startsWith('@@')) return { key, value: value.slice(1) };
    if (value.startsWith('@')) {
      const file = value.slice(1);
      let isFile = false;
      try {
        isFile = statSync(file).isFile();
      } catch {
        // reported below
      }
      if (!isFile) throw usageError(`${key}=@${file}: no such file`);
      return { key, file };
    }
    return { key, value };
  });
}

export function urlencoded(fields: readonly FormField[]): Buffer {
  const params = new URLSearchParams();
  for (const f of fields) if ('value' in f) params.append(f.key, f.value);
  return Buffer.from(params.toString());
}

/** A quoted-string for Content-Disposition: no quotes, backslashes or line breaks survive. */
const quoted = (s: string): string => s.replace(/["\\\r\n]/g, '_');

/**
 * A multipart/form-data body streamed from disk (never read into memory), with its exact length
 * known up front so the server can refuse a too-large upload before it is sent.
 */
export function multipart(
  fields: readonly FormField[],
  progress: (total: number) => TransferProgress,
): StreamedBody {
  const boundary = `----damson-jobs-${randomBytes(12).toString('hex')}`;
  const parts = fields.map((f) => {
    if ('value' in f) {
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="${f.key}"\r\n\r\n`;
      return {
        head: Buffer.from(head),
        file: undefined,
        size: Buffer.byteLength(f.value),
        value: f.value,
      };
    }
    const name = quoted(path.basename(f.file));
    const head =
      `--${boundary}\r\nContent-Disposition: form-data; name="${f.key}"; filename="${name}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n';
    return {
      head: Buffer.from(head, 'utf8'),
      file: f.file,
      size: statSync(f.file).size,
      value: '',
    };
  });
  const tail = Buffer.from(`--${boundary}--\r\n`);
  const length = parts.reduce((n, p) => n + p.head.length + p.size + 2, 0) + tail.length;
  const fileBytes = parts.reduce((n, p) => n + (p.file ? p.size : 0), 0);
  return {
    length,
    contentType: `multipart/form-data; boundary=${boundary}`,
    write: async (sink) => {
      const bar = progress(fileBytes);
      try {
        for (const part of parts) {
          await writeChunk(sink, part.head);
          if (part.file === undefined) await writeChunk(sink, Buffer.from(part.value));
          else if (part.size > 0) {
            // Exactly the size announced in Content-Length, even if the file grows meanwhile.
            const stream = createReadStream(part.file, {
              end: part.size - 1,
              highWaterMark: 256 * 1024,
            });
            for await (const chunk of stream) {
              await writeChunk(sink, chunk as Buffer);
              bar.add((chunk as Buffer).length);
            }
          }
          await writeChunk(sink, Buffer.from('\r\n'));
        }
        await writeChunk(sink, tail);
      } finally {
        bar.finish();
      }
    },
  };
}

/** Writes with backpressure, so the progress bar shows what the socket took, not what was read. */
function writeChunk(sink: NodeJS.WritableStream, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = sink.write(chunk, (error) => (error ? reject(error) : undefined));
    if (ok) resolve();
    else sink.once('drain', resolve);
  });
}
