import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { parseByteRange } from './byte-range';
import { HttpError, notFound } from './http-error';
import { outputDelivery } from './output-content-type';

/** The confined path is already real: a symlink swapped in since then is not followed. */
export const READ_NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW;

export async function openConfined(file: string): Promise<FileHandle> {
  try {
    return await open(file, READ_NO_FOLLOW);
  } catch {
    throw notFound('file');
  }
}

/** Headers every served output carries: its type as outputDelivery decides, and no sniffing. */
export function setOutputHeaders(res: Response, file: string): void {
  const extension = path.extname(file);
  // The extension table's guess only; outputDelivery decides what is really sent.
  res.type(extension || 'application/octet-stream');
  const delivery = outputDelivery(extension, String(res.getHeader('Content-Type') ?? ''));
  res.setHeader('Content-Type', delivery.contentType);
  if (delivery.attachment) res.setHeader('Content-Disposition', 'attachment');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

/**
 * Sends the bytes of an already confined, real file: the whole file (200), or the one byte range
 * a `Range` header asks for (206 with `Content-Range`), or 416 with `Content-Range: bytes *\/size`
 * when the range starts at or past the end. The size is the open file's own, so a file still being
 * written is served as far as it was when the request came; a tail asks again from there.
 * Several ranges, an unknown unit, a malformed header or any `If-Range` (Damson sends no
 * validators) get the whole file, as RFC 9110 allows.
 */
export async function sendFileBytes(
  req: Request,
  res: Response,
  file: string,
  setHeaders: (res: Response) => void = (r) => setOutputHeaders(r, file),
): Promise<void> {
  const handle = await openConfined(file);
  let size: number;
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw notFound('file');
    size = stats.size;
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error instanceof HttpError ? error : notFound('file');
  }
  res.setHeader('Accept-Ranges', 'bytes');
  const range =
    req.headers['if-range'] === undefined
      ? parseByteRange(req.headers.range, size)
      : ({ kind: 'none' } as const);
  if (range.kind === 'unsatisfiable') {
    await handle.close().catch(() => undefined);
    throw new HttpError(
      416,
      'range_not_satisfiable',
      `The range is outside the file's ${size} bytes.`,
      { size },
      { 'Content-Range': `bytes */${size}` },
    );
  }
  // Only now: a 416 above is a JSON error, not typed as the file.
  setHeaders(res);
  let start = 0;
  let end = size - 1;
  if (range.kind === 'single') {
    ({ start, end } = range);
    res.status(206);
    res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
  }
  res.setHeader('Content-Length', String(Math.max(0, end - start + 1)));
  if (req.method === 'HEAD' || end < start) {
    await handle.close().catch(() => undefined);
    res.end();
    return;
  }
  const stream = handle.createReadStream({ start, end, autoClose: true });
  // A read error or a client gone closes both ends (and the file handle).
  pipeline(stream, res).catch(() => res.destroy());
}
