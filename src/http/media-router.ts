import { Router } from 'express';
import type { AppContext } from './app-context';
import { notFound } from './http-error';
import { jobMediaFile, uploadMediaFile } from './media-file';
import { sendFileBytes } from './send-file-bytes';

/** The decoded segments of a `*rest` route parameter (Express 5 gives one string per segment). */
const segmentsOf = (param: unknown): string[] => ([] as string[]).concat(param as string[]);

/**
 * Output and upload bytes, served by the app only in the embedded default (`server.media: app`);
 * behind nginx the proxy serves these paths. Both honour a single `Range` (send-file-bytes.ts), so
 * a client can tail an output. Only files inside a stored job's directory or a
 * recorded upload; every refusal is the same 404, so a probe learns nothing about the disk.
 */
export function mediaRouter(ctx: AppContext): Router {
  const router = Router();
  const { jobsPath, uploadsPath } = ctx.settings.server;
  const { jobs, uploads } = ctx.settings.directories;

  router.get(`${jobsPath}/*file`, async (req, res) => {
    const real = await jobMediaFile(ctx.store, jobs, segmentsOf(req.params.file));
    if (!real) throw notFound('file');
    await sendFileBytes(req, res, real);
  });

  router.get(`${uploadsPath}/*file`, async (req, res) => {
    const real = await uploadMediaFile(ctx.store, uploads, segmentsOf(req.params.file));
    if (!real) throw notFound('file');
    await sendFileBytes(req, res, real, (r) => {
      r.setHeader('Content-Disposition', 'attachment');
      r.type('application/octet-stream');
      r.setHeader('X-Content-Type-Options', 'nosniff');
    });
  });
  return router;
}
