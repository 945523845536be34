import { rename } from 'node:fs/promises';
import path from 'node:path';
import type { Request, Response } from 'express';
import { newUploadId } from '../jobs';
import { apiBase, contentBase, type AppContext } from './app-context';
import { HttpError } from './http-error';
import { readSubmission } from './read-submission';
import { uploadResource } from './resources';

/** `POST /api/files`: one multipart part named `file` becomes an upload others can reference. */
export function uploadFile(ctx: AppContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const incoming = path.join(ctx.settings.directories.uploads, '.incoming');
    const { submission, discard } = await readSubmission(req, incoming, ctx.settings.server);
    try {
      const part = submission.files.file?.[0];
      if (!part) {
        throw new HttpError(
          400,
          'file_missing',
          "Multipart form 'file' parameter not provided or does not contain a file.",
        );
      }
      const id = newUploadId();
      const target = path.join(ctx.settings.directories.uploads, id);
      await rename(part.tempPath, target);
      await ctx.store.insertUpload({
        id,
        path: target,
        mediaType: null,
        title: null,
        createdAt: new Date(),
      });
      const body = uploadResource(
        apiBase(req, ctx.settings),
        contentBase(ctx.settings, 'uploads'),
        id,
        null,
      );
      res.status(201).location(body['@url']).json(body);
    } finally {
      await discard();
    }
  };
}
