import type { Request, Response } from 'express';
import { jobDirectoryRelative, newJobId } from '../jobs';
import { commandSizeErrors } from '../services/command/command-limits';
import { jobInputs } from '../services/form/job-inputs';
import type { FieldError } from '../services/form/field-error';
import {
  validateSubmission,
  type CleanValues,
  type FileValue,
  type SubmittedFile,
} from '../services/form/form';
import type { Service } from '../services/service';
import type { Upload } from '../store/job-store';
import { apiBase, type AppContext } from './app-context';
import { StoreFileResolver } from './file-resolver';
import { HttpError, notFound } from './http-error';
import {
  readSubmission,
  SERVER_LIMIT_NAMES,
  type ReadSubmission,
  type UploadLimits,
} from './read-submission';
import type { LimitNames } from './parse-multipart';
import { refuseWhenDiskLow } from './disk-guard';
import { expiryOf } from './job-expiry';
import { jobResource } from './resources';
import { answerFromCache, cacheAllowed, cacheKeyOf } from './result-cache';
import { clientHasScope } from './rate-limits';
import { schedulingOptions } from './scheduling-options';
import { callbackOption } from './webhook-callback';
import { unrunnableReason } from '../services/runner-types';

function newUploads(values: CleanValues): FileValue[] {
  return Object.values(values)
    .flatMap((v) => (Array.isArray(v) ? v : [v]))
    .filter((v): v is FileValue => typeof v === 'object' && v !== null && v.upload !== null);
}

/**
 * Files sent with a valid submission get their upload id now (renamed from their partial name);
 * recording them (with the job) makes them uploads that later submissions can reference. Until
 * then discard() removes them.
 */
async function uploadRecords(
  service: Service,
  values: CleanValues,
  commit: ReadSubmission['commit'],
): Promise<Upload[]> {
  const records: Upload[] = [];
  const createdAt = new Date();
  for (const p of service.parameters) {
    for (const file of newUploads({ [p.id]: values[p.id] ?? null })) {
      const committed = await commit(file.upload as SubmittedFile);
      file.id = committed.id;
      file.path = committed.path;
      records.push({
        id: file.id,
        path: file.path,
        mediaType: p.mediaType ?? null,
        title: p.id,
        createdAt,
      });
    }
  }
  return records;
}

/** The server-wide upload limits, overridden by `api.service-limits.<service id>.*`. */
export function serviceLimits(
  ctx: AppContext,
  serviceId: string,
): { limits: UploadLimits; names: LimitNames } {
  const server = ctx.settings.server;
  const key = serviceId.toLowerCase();
  const all = ctx.settings.api.serviceLimits;
  const own = Object.hasOwn(all, key) ? all[key] : {};
  const limits: UploadLimits = {
    maxFileBytes: own.maxFileBytes ?? server.maxFileBytes,
    maxFiles: own.maxFiles ?? server.maxFiles,
    maxFields: own.maxFields ?? server.maxFields,
    maxFieldBytes: own.maxFieldBytes ?? server.maxFieldBytes,
    maxTextBytes: own.maxTextBytes ?? server.maxTextBytes,
  };
  const names = { ...SERVER_LIMIT_NAMES };
  for (const key of Object.keys(own) as (keyof UploadLimits)[]) {
    names[key] =
      `api.service-limits.${serviceId}.${SERVER_LIMIT_NAMES[key].slice('server.'.length)}`;
  }
  return { limits, names };
}

function refuse(res: Response, errors: FieldError[]): void {
  res.status(422).json({
    errors,
    error: { code: 'invalid_parameters', message: 'One or more parameters are invalid.' },
  });
}

export function submitJob(ctx: AppContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const service = ctx.catalog.get(String(req.params.sid));
    if (!service) throw notFound(`service '${req.params.sid}'`);
    const unrunnable = unrunnableReason(service);
    if (unrunnable) throw new HttpError(503, 'service_unrunnable', unrunnable);
    const scheduling = schedulingOptions(req, clientHasScope(res, 'priority'));
    const callback = callbackOption(req, ctx.settings.webhooks);
    const useCache = service.cache ? cacheAllowed(req) : false;
    await refuseWhenDiskLow(ctx.diskSpace);
    const uploadsDirectory = ctx.settings.directories.uploads;
    const { limits, names } = serviceLimits(ctx, service.id);
    const { submission, discard, commit, saved } = await readSubmission(
      req,
      uploadsDirectory,
      limits,
      names,
    );
    try {
      const resolver = new StoreFileResolver(ctx.store, ctx.settings.directories.jobs);
      const result = await validateSubmission(service, submission, resolver);
      if (!result.ok) {
        // The refused request's files are gone before the client hears of the refusal.
        await discard();
        refuse(res, result.errors);
        return;
      }
      const uploads = await uploadRecords(service, result.values, commit);
      const { inputs, parameters } = jobInputs(service, result.values, result.defaulted);
      // A command that could not be launched or sent to an agent is refused now, not at dispatch.
      const tooLong = commandSizeErrors(service, inputs);
      if (tooLong.length > 0) {
        await discard();
        refuse(res, tooLong);
        return;
      }
      const id = newJobId();
      const serviceRevision = await ctx.revisions.remember(service);
      const newJob = {
        serviceRevision,
        id,
        service: service.id,
        inputs,
        parameters,
        workDir: jobDirectoryRelative(id),
        priority: scheduling.priority,
        notBefore: scheduling.notBefore,
        callback,
      };
      // Opted-in services only: the key is kept with the job even when `?cache=no` forced a run.
      const maxHashBytes = ctx.settings.server.maxFileBytes;
      const cacheKey = service.cache ? await cacheKeyOf(service, inputs, maxHashBytes) : null;
      // A hit is recorded finished at once, with no state change to deliver: a submission that
      // asked for a webhook runs, so its receiver hears of the end like any other.
      const hit =
        cacheKey && useCache && !callback
          ? await answerFromCache(ctx.store, ctx.settings, service, cacheKey, newJob, uploads)
          : null;
      const job = hit ?? (await ctx.store.insertJobWithUploads({ ...newJob, cacheKey }, uploads));
      for (const upload of uploads) saved(upload.path);
      // Parts that are no parameter's value are gone before the client hears of the job.
      await discard();
      if (!hit) ctx.wake();
      // The job is recorded: an estimate that cannot be had now is left out, not an error.
      const queue = hit ? null : await ctx.queueEstimates?.forJob(job).catch(() => null);
      const body = jobResource(apiBase(req, ctx.settings), job, queue, await expiryOf(ctx, job));
      res.status(202).location(String(body['@url'])).json(body);
    } finally {
      await discard();
    }
  };
}
