import { unlink } from 'node:fs/promises';
import type { Request, Response } from 'express';
import { uploadExpiresAt } from '../config/retention-policy';
import { apiBase, contentBase, type AppContext } from './app-context';
import { refuseWhenDiskLow } from './disk-guard';
import { HttpError } from './http-error';
import { readSubmission, SERVER_LIMIT_NAMES } from './read-submission';
import { uploadResource } from './resources';

/** `POST /api/files`: one multipart part named `file` becomes an upload others can reference. */
export function uploadFile(ctx: AppContext) {
  return async (req: Request, res: Response): Promise<void> => {
    await refuseWhenDiskLow(ctx.diskSpace);
    const uploadsDirectory = ctx.settings.directories.uploads;
    const { submission, discard, commit, saved } = await readSubmission(
      req,
      uploadsDirectory,
      ctx.settings.server,
      SERVER_LIMIT_NAMES,
      { json: false },
    );
    try {
      const part = submission.files.get('file')?.[0];
      if (!part) {
        throw new HttpError(
          400,
          'file_missing',
          "Multipart form 'file' parameter not provided or does not contain a file.",
        );
      }
      const { id, path: target } = await commit(part);
      saved(target);
      const createdAt = new Date();
      try {
        await ctx.store.insertUpload({
          id,
          path: target,
          // slivka keeps the part's filename as the label and its declared type.
          mediaType: part.mediaType ?? null,
          title: part.filename ?? null,
          createdAt,
        });
      } catch (error) {
        await unlink(target).catch(() => undefined);
        throw error;
      }
      // Any other part of the request is gone before the client hears of the upload.
      await discard();
      const body = uploadResource(
        apiBase(req, ctx.settings),
        contentBase(ctx.settings, 'uploads'),
        id,
        part.mediaType ?? null,
        part.filename ?? null,
        uploadExpiresAt(ctx.settings.retention, { createdAt }),
      );
      res.status(201).location(body['@url']).json(body);
    } finally {
      await discard();
    }
  };
}
