import { rename } from 'node:fs/promises';
import path from 'node:path';
import type { Request, Response } from 'express';
import { jobDirectoryRelative, newJobId, newUploadId } from '../jobs';
import { jobInputs } from '../services/form/job-inputs';
import { validateSubmission, type CleanValues, type FileValue } from '../services/form/form';
import type { Service } from '../services/service';
import { apiBase, type AppContext } from './app-context';
import { StoreFileResolver } from './file-resolver';
import { notFound } from './http-error';
import { readSubmission } from './read-submission';
import { jobResource } from './resources';

function newUploads(values: CleanValues): FileValue[] {
  return Object.values(values)
    .flatMap((v) => (Array.isArray(v) ? v : [v]))
    .filter((v): v is FileValue => typeof v === 'object' && v !== null && v.upload !== null);
}

/** Files sent with a valid submission move from the incoming area to their permanent names. */
async function saveUploads(ctx: AppContext, service: Service, values: CleanValues): Promise<void> {
  for (const p of service.parameters) {
    const value = values[p.id];
    for (const file of newUploads({ [p.id]: value ?? null })) {
      const id = newUploadId();
      const target = path.join(ctx.settings.directories.uploads, id);
      await rename(file.path, target);
      await ctx.store.insertUpload({
        id,
        path: target,
        mediaType: p.mediaType ?? null,
        title: p.id,
        createdAt: new Date(),
      });
      file.id = id;
      file.path = target;
    }
  }
}

export function submitJob(ctx: AppContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const service = ctx.catalog.get(String(req.params.sid));
    if (!service) throw notFound(`service '${req.params.sid}'`);
    const incoming = path.join(ctx.settings.directories.uploads, '.incoming');
    const { submission, discard } = await readSubmission(req, incoming, ctx.settings.server);
    try {
      const resolver = new StoreFileResolver(ctx.store, ctx.settings.directories.jobs);
      const result = await validateSubmission(service, submission, resolver);
      if (!result.ok) {
        res.status(422).json({
          errors: result.errors,
          error: { code: 'invalid_parameters', message: 'One or more parameters are invalid.' },
        });
        return;
      }
      await saveUploads(ctx, service, result.values);
      const { inputs, parameters } = jobInputs(service, result.values);
      const id = newJobId();
      const serviceRevision = await ctx.revisions.remember(service);
      const job = await ctx.store.insertJob({
        serviceRevision,
        id,
        service: service.id,
        inputs,
        parameters,
        workDir: jobDirectoryRelative(id),
      });
      ctx.wake();
      const body = jobResource(apiBase(req, ctx.settings), job);
      res.status(202).location(String(body['@url'])).json(body);
    } finally {
      await discard();
    }
  };
}
