import type { Request, Response } from 'express';
import { jobDirectoryRelative, newJobId } from '../jobs';
import { commandSizeErrors } from '../services/command/command-limits';
import { jobInputs } from '../services/form/job-inputs';
import type { FieldError } from '../services/form/field-error';
import { validateSubmission, type CleanValues } from '../services/form/form';
import type { Single } from '../services/form/form-values';
import type { Service } from '../services/service';
import type { Job, JobCallback, NewJob } from '../jobs';
import type { IdempotencyRecord, Upload } from '../store/job-store';
import { apiBase, type AppContext } from './app-context';
import { StoreFileResolver } from './file-resolver';
import { HttpError, notFound, sendError } from './http-error';
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
import { isAdmin, requestOwner } from './request-owner';
import { refuseOverWaitingCap } from './owner-caps';
import { schedulingOptions, type SchedulingOptions } from './scheduling-options';
import { callbackOption } from './webhook-callback';
import { unrunnableReason } from '../services/runner-types';
import { answerDryRun, isDryRun } from './dry-run';
import {
  answerHeld,
  idempotencyKey,
  onceKey,
  onceRecord,
  replayIfHeld,
  type OnceKey,
} from './idempotent-submission';

/**
 * Files sent with a valid submission get their upload id now (renamed from their partial name);
 * recording them (with the job) makes them uploads that later submissions can reference. Until
 * then discard() removes them. The values are not changed: the answer carries new values whose
 * files name their saved place, and only those may become the job's inputs.
 */
async function commitUploads(
  service: Service,
  values: CleanValues,
  commit: ReadSubmission['commit'],
): Promise<{ values: CleanValues; records: Upload[] }> {
  const records: Upload[] = [];
  const createdAt = new Date();
  const committedValues: CleanValues = Object.create(null) as CleanValues;
  for (const [key, value] of Object.entries(values)) committedValues[key] = value;
  for (const p of service.parameters) {
    const saveOne = async (value: Single): Promise<Single> => {
      if (typeof value !== 'object' || value === null || value.upload === null) return value;
      const committed = await commit(value.upload);
      records.push({
        id: committed.id,
        path: committed.path,
        mediaType: p.mediaType ?? null,
        title: p.id,
        createdAt,
      });
      return { ...value, id: committed.id, path: committed.path };
    };
    const value = values[p.id] ?? null;
    if (value === null) continue;
    committedValues[p.id] = Array.isArray(value)
      ? await sequentially(value, saveOne)
      : await saveOne(value);
  }
  return { values: committedValues, records };
}

async function sequentially<T, R>(items: T[], each: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await each(item));
  return out;
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

export function refuse(res: Response, errors: FieldError[]): void {
  sendError(res, 'invalid_parameters', 'One or more parameters are invalid.', { errors });
}

/** A read submission on its way to becoming a job. */
export interface JobRequest {
  /** The definition the values are validated against and the job runs with. */
  service: Service;
  read: ReadSubmission;
  scheduling: SchedulingOptions;
  /** The request's Idempotency-Key, when it sent one. */
  once: OnceKey | null;
  rerunOf?: string;
  /** The webhook the submission asked for (`callback=`), if any. */
  callback?: JobCallback | null;
  /** May a matching earlier result answer it (the service opted in and `?cache=no` was not sent)? */
  useCache?: boolean;
  /** Said in the 202 body (e.g. why a rerun runs another definition than its original). */
  note?: string;
  /** Whose job it is (request-owner.ts); null: no one's. */
  owner?: string | null;
  /** Whether the submitter may read private jobs of others (an admin), for `jobId/path` inputs. */
  admin?: boolean;
}

export type RecordOutcome =
  /** `hit`: answered from the result cache, already COMPLETED; it will not run. */
  | { kind: 'created'; job: Job; hit: boolean }
  | { kind: 'invalid'; errors: FieldError[] }
  /** Another request holds the idempotency key: its record, to replay or refuse. */
  | { kind: 'held'; record: IdempotencyRecord };

/**
 * Validates a read submission and records its job (once per idempotency key). The files of a
 * refused or superseded request are discarded before the outcome is known to anyone; the caller
 * still discards the rest in its `finally`.
 */
export async function recordJob(ctx: AppContext, r: JobRequest): Promise<RecordOutcome> {
  const { service, read } = r;
  const reader = ctx.settings.api.privateJobs && !r.admin ? { owner: r.owner ?? null } : undefined;
  const resolver = new StoreFileResolver(ctx.store, ctx.settings.directories.jobs, reader);
  const result = await validateSubmission(service, read.submission, resolver);
  if (!result.ok) {
    await read.discard();
    return { kind: 'invalid', errors: result.errors };
  }
  const committed = await commitUploads(service, result.values, read.commit);
  const uploads = committed.records;
  const { inputs, parameters } = jobInputs(service, committed.values, result.defaulted);
  // A command that could not be launched or sent to an agent is refused now, not at dispatch.
  const tooLong = commandSizeErrors(service, inputs);
  if (tooLong.length > 0) {
    await read.discard();
    return { kind: 'invalid', errors: tooLong };
  }
  const id = newJobId();
  const serviceRevision = await ctx.revisions.remember(service);
  const newJob: NewJob = {
    serviceRevision,
    id,
    service: service.id,
    inputs,
    parameters,
    workDir: jobDirectoryRelative(id),
    priority: r.scheduling.priority,
    notBefore: r.scheduling.notBefore,
    rerunOf: r.rerunOf ?? null,
    callback: r.callback ?? null,
    owner: r.owner ?? null,
  };
  // Opted-in services only: the key is kept with the job even when `?cache=no` forced a run.
  const maxHashBytes = ctx.settings.server.maxFileBytes;
  const cacheKey = service.cache ? await cacheKeyOf(service, inputs, maxHashBytes) : null;
  // A hit is recorded finished at once, with no state change to deliver and no idempotency key
  // taken: a submission that asked for a webhook or sent a key runs like any other.
  const hit =
    cacheKey && r.useCache && !r.callback && !r.once
      ? await answerFromCache(ctx.store, ctx.settings, service, cacheKey, newJob, uploads)
      : null;
  let job: Job;
  if (hit) {
    job = hit;
  } else if (r.once) {
    const outcome = await ctx.store.insertJobOnce(
      onceRecord(r.once, id),
      { ...newJob, cacheKey },
      uploads,
    );
    if (outcome.kind === 'existing') {
      // Another request with this key won the race: its job is the answer, these files no one's.
      await read.discard();
      return { kind: 'held', record: outcome.record };
    }
    job = outcome.job;
  } else {
    job = await ctx.store.insertJobWithUploads({ ...newJob, cacheKey }, uploads);
  }
  for (const upload of uploads) read.saved(upload.path);
  // Parts that are no parameter's value are gone before the client hears of the job.
  await read.discard();
  if (!hit) ctx.wake();
  return { kind: 'created', job, hit: hit !== null };
}

/** recordJob, answered: 202 with the job, 422, or the key holder's job (or 409). */
export async function createJob(
  ctx: AppContext,
  req: Request,
  res: Response,
  r: JobRequest,
): Promise<void> {
  await refuseWhenDiskLow(ctx.diskSpace);
  await refuseOverWaitingCap(ctx, r.owner ?? null);
  const outcome = await recordJob(ctx, r);
  if (outcome.kind === 'invalid') {
    refuse(res, outcome.errors);
    return;
  }
  if (outcome.kind === 'held') {
    await answerHeld(ctx, req, res, r.once as OnceKey, outcome.record);
    return;
  }
  const { job, hit } = outcome;
  // The job is recorded: an estimate that cannot be had now is left out, not an error.
  const queue = hit ? null : await ctx.queueEstimates?.forJob(job).catch(() => null);
  const body = jobResource(apiBase(req, ctx.settings), job, queue, await expiryOf(ctx, job));
  if (r.note) body.note = r.note;
  res.status(202).location(String(body['@url'])).json(body);
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
    const dryRun = isDryRun(req);
    const key = dryRun ? null : idempotencyKey(req, res);
    const uploadsDirectory = ctx.settings.directories.uploads;
    const { limits, names } = serviceLimits(ctx, service.id);
    const read = await readSubmission(req, uploadsDirectory, limits, names);
    try {
      if (dryRun) {
        await answerDryRun(ctx, res, service, read);
        return;
      }
      const target = { kind: 'submit' as const, id: service.id };
      const once = key ? await onceKey(req, key, target, read.submission) : null;
      if (once && (await replayIfHeld(ctx, req, res, once))) return;
      await createJob(ctx, req, res, {
        ...{ service, read, scheduling, once, callback, useCache },
        owner: requestOwner(req, res),
        admin: isAdmin(res),
      });
    } finally {
      await read.discard();
    }
  };
}
