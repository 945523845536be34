import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Router, type Response } from 'express';
import { isWellFormedId } from '../jobs';
import type { AppContext } from './app-context';
import { notFound } from './http-error';
import { confinedFile, isAgentRecord } from './job-outputs';

/** Types a browser would execute or render as a document: always sent as plain text. */
const ACTIVE_TYPES =
  /^(text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml|text\/javascript|application\/javascript)/;

function sendConfined(res: Response, file: string): void {
  res.type(path.extname(file) || 'application/octet-stream');
  const type = String(res.getHeader('Content-Type') ?? '');
  if (ACTIVE_TYPES.test(type) || !path.extname(file)) res.type('text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/**
 * Output and upload bytes, served by the app only in the embedded default (`server.media: app`);
 * behind nginx the proxy serves these paths. Nothing outside the job directory, symlinks included.
 */
export function mediaRouter(ctx: AppContext): Router {
  const router = Router();
  const { jobsPath, uploadsPath } = ctx.settings.server;

  router.get(`${jobsPath}/*file`, async (req, res) => {
    const parts = ([] as string[]).concat(req.params.file as unknown as string[]);
    // <aa>/<bb>/<rest>/<path inside the job directory>
    if (parts.length < 4 || parts.slice(3).some(isAgentRecord)) throw notFound('file');
    const jobRoot = path.join(ctx.settings.directories.jobs, ...parts.slice(0, 3));
    const real = await confinedFile(jobRoot, parts.slice(3).join('/'));
    if (!real) throw notFound('file');
    sendConfined(res, real);
  });

  router.get(`${uploadsPath}/:id`, async (req, res) => {
    // Only recorded uploads: a file still being received has no record yet.
    if (!isWellFormedId(req.params.id) || !(await ctx.store.getUpload(req.params.id)))
      throw notFound('file');
    const real = await confinedFile(ctx.settings.directories.uploads, req.params.id);
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
