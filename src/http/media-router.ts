import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Router, type Response } from 'express';
import type { AppContext } from './app-context';
import { notFound } from './http-error';
import { jobMediaFile, uploadMediaFile } from './media-file';
import { outputDelivery } from './output-content-type';

function sendConfined(res: Response, file: string): void {
  const extension = path.extname(file);
  // The extension table's guess only; outputDelivery decides what is really sent.
  res.type(extension || 'application/octet-stream');
  const delivery = outputDelivery(extension, String(res.getHeader('Content-Type') ?? ''));
  res.setHeader('Content-Type', delivery.contentType);
  if (delivery.attachment) res.setHeader('Content-Disposition', 'attachment');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
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
    const real = await jobMediaFile(ctx.store, jobs, segmentsOf(req.params.file));
    if (!real) throw notFound('file');
    sendConfined(res, real);
  });

  router.get(`${uploadsPath}/*file`, async (req, res) => {
    const real = await uploadMediaFile(ctx.store, uploads, segmentsOf(req.params.file));
    if (!real) throw notFound('file');
    res.setHeader('Content-Disposition', 'attachment');
    res.type('application/octet-stream');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    createReadStream(real)
      .on('error', () => res.destroy())
      .pipe(res);
  });
  return router;
}
