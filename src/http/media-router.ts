import { Router } from 'express';
import type { AppContext } from './app-context';
import { jobIdOfDirectory } from '../jobs';
import { notFound, type HttpError } from './http-error';
import { goneError } from './job-expiry';
import { jobMediaFile, uploadMediaFile } from './media-file';
import { sendFileBytes } from './send-file-bytes';
import { mayReadJob } from './request-owner';

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
 * behind nginx the proxy serves these paths. Both honour a single `Range` (send-file-bytes.ts), so
 * a client can tail an output. Only files inside a stored job's directory or a
 * recorded upload; every refusal is the same 404, so a probe learns nothing about the disk.
 */
export function mediaRouter(ctx: AppContext): Router {
  const router = Router();
  const { jobsPath, uploadsPath } = ctx.settings.server;
  const { jobs, uploads } = ctx.settings.directories;

  router.get(`${jobsPath}/*file`, async (req, res) => {
    const segments = segmentsOf(req.params.file);
    const real = await jobMediaFile(ctx.store, jobs, segments, (job) =>
      mayReadJob(ctx.settings, req, job),
    );
    if (!real) throw await expiredOrMissing(ctx, segments);
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
