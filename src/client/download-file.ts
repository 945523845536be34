import { createWriteStream, mkdirSync, renameSync, statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { ApiClient } from './api-client';
import { ClientError, EXIT } from './exit-codes';
import { networkError } from './http-request';
import { serverMessage } from './resources';
import { TransferProgress } from './transfer-progress';

export interface DownloadResult {
  path: string;
  target: string;
  bytes: number;
  /** Bytes kept from an earlier partial download (0 when it started over). */
  resumedFrom: number;
  /** A partial file existed but the server sent the whole file (no Range support). */
  restarted: boolean;
}

/** `Content-Range: bytes <start>-<end>/<total|*>`. */
function rangeStart(header: string | undefined): { start: number; total: number | null } | null {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header ?? '');
  if (!match) return null;
  return { start: Number(match[1]), total: match[3] === '*' ? null : Number(match[3]) };
}

const sizeOf = (file: string): number => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

/**
 * Downloads `content` to `target` through `<target>.part`, renamed when complete. A `.part` left
 * by an interrupted run is resumed with `Range`; a server that ignores Range (200, as slivka
 * and plain static servers may) gets the file from the start again. At most `maxBytes`.
 */
export async function downloadFile(
  api: ApiClient,
  content: URL,
  serverPath: string,
  target: string,
  stderr: NodeJS.WriteStream,
  maxBytes: number,
): Promise<DownloadResult> {
  mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.part`;
  const have = sizeOf(partial);
  const res = await api.request('GET', content, {
    headers: have > 0 ? { Range: `bytes=${have}-` } : {},
  });
  const status = res.statusCode ?? 0;
  if (status === 416 && have > 0) {
    // Nothing past what we have: the partial file is the whole file.
    res.resume();
    renameSync(partial, target);
    return { path: serverPath, target, bytes: have, resumedFrom: have, restarted: false };
  }
  if (status !== 200 && status !== 206) {
    const chunks: Buffer[] = [];
    for await (const c of res) if (chunks.push(c as Buffer) > 64) break;
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = undefined;
    }
    throw serverMessage(status, body);
  }
  let offset = 0;
  if (status === 206) {
    const range = rangeStart(res.headers['content-range']);
    if (!range || range.start !== have) {
      res.destroy();
      throw new ClientError(
        EXIT.server,
        `the server answered a range request for ${serverPath} with another range`,
      );
    }
    offset = have;
  } else if (have > 0) truncateSync(partial, 0);
  const length = Number(res.headers['content-length']);
  const total = Number.isFinite(length) ? offset + length : 0;
  if (total > maxBytes)
    throw new ClientError(
      EXIT.server,
      `${serverPath} is ${total} bytes, over --max-size ${maxBytes}`,
    );
  const progress = new TransferProgress(serverPath, total, stderr, offset);
  const sink = createWriteStream(partial, { flags: offset > 0 ? 'a' : 'w', mode: 0o644 });
  try {
    await new Promise<void>((resolve, reject) => {
      let written = offset;
      res.on('data', (chunk: Buffer) => {
        written += chunk.length;
        if (written > maxBytes) {
          res.destroy();
          reject(
            new ClientError(EXIT.server, `${serverPath} is over --max-size ${maxBytes} bytes`),
          );
          return;
        }
        progress.add(chunk.length);
        if (!sink.write(chunk)) {
          res.pause();
          sink.once('drain', () => res.resume());
        }
      });
      res.on('end', () =>
        res.complete ? resolve() : reject(networkError(content, new Error('connection closed'))),
      );
      res.on('error', (error) => reject(networkError(content, error)));
      res.on('aborted', () => reject(networkError(content, new Error('connection closed'))));
      sink.on('error', reject);
    });
    sink.end();
    await finished(sink);
  } finally {
    progress.finish();
    sink.destroy();
  }
  const bytes = sizeOf(partial);
  if (Number.isFinite(length) && bytes !== total)
    throw new ClientError(
      EXIT.network,
      `${serverPath}: got ${bytes} of ${total} bytes; run again to resume`,
    );
  renameSync(partial, target);
  return {
    path: serverPath,
    target,
    bytes,
    resumedFrom: offset,
    restarted: have > 0 && offset === 0,
  };
}
