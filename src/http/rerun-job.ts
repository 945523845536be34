import type { Request, Response } from 'express';
import type { Job } from '../jobs';
import { emptySubmission, type Submission } from '../services/form/form';
import type { Service } from '../services/service';
import type { AppContext } from './app-context';
import { HttpError, notFound } from './http-error';
import { idempotencyKey, onceKey, replayIfHeld } from './idempotent-submission';
import { clientHasScope } from './rate-limits';
import { readSubmission, type ReadSubmission } from './read-submission';
import { schedulingOptions } from './scheduling-options';
import { createJob, serviceLimits } from './submit-job';
import { isAdmin, mayReadJob, requestOwner } from './request-owner';

const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;

export async function findJobToRerun(ctx: AppContext, id: string, req?: Request): Promise<Job> {
  const job = JOB_ID.test(id) ? await ctx.store.getJob(id) : null;
  if (!job || (req && !mayReadJob(ctx.settings, req, job))) throw notFound(`job '${id}'`);
  return job;
}

/**
 * The definition a rerun runs with: the one its original was submitted with while it is known,
 * else the current one with a note saying so. A service no longer offered cannot be rerun (409):
 * new jobs of it would be refused too.
 */
export async function rerunDefinition(
  ctx: AppContext,
  job: Job,
): Promise<{ service: Service; note?: string }> {
  const current = ctx.catalog.get(job.service);
  if (!current) {
    throw new HttpError(
      409,
      'service_unavailable',
      `Service '${job.service}' is no longer offered on this server, so job '${job.id}' cannot be rerun.`,
      { service: job.service },
    );
  }
  if (job.serviceRevision === current.revision) return { service: current };
  const original = job.serviceRevision ? await ctx.revisions.forJob(job) : undefined;
  if (original && original.revision === job.serviceRevision) return { service: original };
  return {
    service: current,
    note:
      `The definition of '${job.service}' that job ${job.id} was submitted with is no longer ` +
      `known; this rerun uses the current one (revision ${current.revision}).`,
  };
}

/**
 * The rerun's submission: the original's values in their client form (choice keys, file ids, so
 * input files are referenced, never copied), with each parameter the overrides name replaced by
 * the overrides' values (an empty value unsets it). Values of parameters the definition no longer
 * has are left out.
 */
export function rerunSubmission(service: Service, job: Job, overrides: Submission): Submission {
  const merged = emptySubmission();
  for (const p of service.parameters) {
    if (overrides.fields.has(p.id) || overrides.files.has(p.id)) continue;
    const value = Object.hasOwn(job.parameters, p.id) ? job.parameters[p.id] : null;
    if (value !== null) merged.fields.set(p.id, Array.isArray(value) ? [...value] : [value]);
  }
  for (const [name, values] of overrides.fields) merged.fields.set(name, values);
  for (const [name, files] of overrides.files) merged.files.set(name, files);
  return merged;
}

/** `POST /jobs/{id}/rerun`: the same service and values, with overrides in any submission body. */
export function rerunJob(ctx: AppContext) {
  return async (req: Request, res: Response): Promise<void> => {
    // The key's scope is the client's address, taken before anything else is awaited.
    const key = idempotencyKey(req, res);
    const original = await findJobToRerun(ctx, String(req.params.jid), req);
    const { service, note } = await rerunDefinition(ctx, original);
    const scheduling = schedulingOptions(req, clientHasScope(res, 'priority'));
    const { limits, names } = serviceLimits(ctx, service.id);
    const read = await readSubmission(req, ctx.settings.directories.uploads, limits, names);
    try {
      const target = { kind: 'rerun' as const, id: original.id };
      const once = key ? await onceKey(req, key, target, read.submission) : null;
      if (once && (await replayIfHeld(ctx, req, res, once))) return;
      const merged: ReadSubmission = {
        ...read,
        submission: rerunSubmission(service, original, read.submission),
      };
      await createJob(ctx, req, res, {
        service,
        read: merged,
        scheduling,
        once,
        rerunOf: original.id,
        note,
        owner: requestOwner(req, res),
        admin: isAdmin(res),
      });
    } finally {
      await read.discard();
    }
  };
}
