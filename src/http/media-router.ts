import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { Router, type Response } from 'express';
import type { AppContext } from './app-context';
import { jobIdOfDirectory } from '../jobs';
import { notFound, type HttpError } from './http-error';
import { goneError } from './job-expiry';
import { jobMediaFile, uploadMediaFile } from './media-file';
import { outputDelivery } from './output-content-type';

/** The confined path is already real: a symlink swapped in since then is not followed. */
const READ_NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW;

async function openConfined(file: string): Promise<{ stream: Readable; size: number }> {
  try {
    const handle = await open(file, READ_NO_FOLLOW);
    const { size } = await handle.stat();
    // Exactly the bytes there were when the request came: a live output that grows meanwhile
    // still matches its Content-Length, which lets clients show progress and check completeness.
    if (size === 0) {
      await handle.close();
      return { stream: Readable.from([]), size };
    }
    return { stream: handle.createReadStream({ start: 0, end: size - 1 }), size };
  } catch {
    throw notFound('file');
  }
}

async function sendConfined(res: Response, file: string): Promise<void> {
  const { stream, size } = await openConfined(file);
  res.setHeader('Content-Length', size);
  const extension = path.extname(file);
  // The extension table's guess only; outputDelivery decides what is really sent.
  res.type(extension || 'application/octet-stream');
  const delivery = outputDelivery(extension, String(res.getHeader('Content-Type') ?? ''));
  res.setHeader('Content-Type', delivery.contentType);
  if (delivery.attachment) res.setHeader('Content-Disposition', 'attachment');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  send(stream, res);
}

/** Streams the file; a read error or a client gone closes both ends (and the file handle). */
function send(stream: Readable, res: Response): void {
  pipeline(stream, res).catch(() => res.destroy());
}

/** 410 for a file of a job that retention deleted (its tombstone is still kept), else 404. */
async function expiredOrMissing(ctx: AppContext, segments: string[]): Promise<HttpError> {
  const id = segments.length >= 4 ? jobIdOfDirectory(segments.slice(0, 3).join('/')) : null;
  const tombstone = id ? await ctx.store.retention.getTombstone(id) : null;
  return id && tombstone ? goneError(id, tombstone.expiredAt) : notFound('file');
}

/** The decoded segments of a `*rest` route parameter (Express 5 gives one string per segment). */
const segmentsOf = (param: unknown): string[] => ([] as string[]).concat(param as string[]);

/**
 * Output and upload bytes, served by the app only in the embedded default (`server.media: app`);
 * behind nginx the proxy serves these paths. Only files inside a stored job's directory or a
 * recorded upload; every refusal is the same 404, so a probe learns nothing about the disk.
 */
export function mediaRouter(ctx: AppContext): Router {
  const router = Router();
  const { jobsPath, uploadsPath } = ctx.settings.server;
  const { jobs, uploads } = ctx.settings.directories;

  router.get(`${jobsPath}/*file`, async (req, res) => {
    const segments = segmentsOf(req.params.file);
    const real = await jobMediaFile(ctx.store, jobs, segments);
    if (!real) throw await expiredOrMissing(ctx, segments);
    await sendConfined(res, real);
  });

  router.get(`${uploadsPath}/*file`, async (req, res) => {
    const real = await uploadMediaFile(ctx.store, uploads, segmentsOf(req.params.file));
    if (!real) throw notFound('file');
    const { stream, size } = await openConfined(real);
    res.setHeader('Content-Length', size);
    res.setHeader('Content-Disposition', 'attachment');
    res.type('application/octet-stream');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    send(stream, res);
  });
  return router;
}
