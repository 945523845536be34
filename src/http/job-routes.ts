import path from 'node:path';
import type { Request, Response, Router } from 'express';
import { jobExpiresAt } from '../config/retention-policy';
import type { Job } from '../jobs';
import { addRoute } from './add-route';
import { apiBase, contentBase, type AppContext } from './app-context';
import { HttpError, notFound } from './http-error';
import { deliveriesResource } from './job-deliveries';
import { expiryOf, filesSource, missingJob } from './job-expiry';
import { listOutputs } from './job-outputs';
import { lastSeenState, streamJobEvents, waitForChange, waitSeconds } from './job-wait';
import type { JobWatcher } from './job-watcher';
import { jobFileRoute } from './job-file-route';
import { progressKey } from './job-progress';
import { knownProgress, withProgress } from './progress-query';
import { jobFileResource, jobResource } from './resources';
import { mayReadJob } from './request-owner';

const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Routes under `/jobs/{id}` and `/services/{sid}/jobs/{id}`. */
export function jobRoutes(router: Router, ctx: AppContext, watcher: JobWatcher): void {
  const base = (req: Request): string => apiBase(req, ctx.settings);
  const jobsContent = contentBase(ctx.settings, 'jobs');

  const findJob = async (req: Request): Promise<Job> => {
    const id = String(req.params.jid);
    if (!JOB_ID.test(id)) throw notFound(`job '${id}'`);
    const job = await ctx.store.getJob(id);
    if (!job) throw await missingJob(ctx, id);
    const sid = req.params.sid;
    if (sid !== undefined && job.service !== sid) throw notFound(`job '${id}'`);
    if (!mayReadJob(ctx.settings, req, job)) throw notFound(`job '${id}'`);
    return job;
  };

  const showJob = async (req: Request, res: Response): Promise<void> => {
    const job = await findJob(req);
    const seconds = waitSeconds(req);
    const lastSeen = lastSeenState(req, job);
    const reread = async (): Promise<Job> => (await ctx.store.getJob(job.id)) ?? job;
    const known = knownProgress(req);
    const progress =
      known !== undefined && ctx.progress
        ? { known, current: progressKey(await ctx.progress.read(job)) }
        : undefined;
    const current = await waitForChange(res, watcher, job, lastSeen, seconds, reread, progress);
    if (!current) return;
    const body = withProgress(
      jobResource(
        base(req),
        current,
        await ctx.queueEstimates?.forJob(current),
        await expiryOf(ctx, current),
      ),
      (await ctx.progress?.read(current)) ?? null,
    );
    res.location(String(body['@url'])).json(body);
  };

  const cancelJob = async (req: Request, res: Response): Promise<void> => {
    const job = await findJob(req);
    const outcome = await ctx.store.requestCancel(job.id);
    if (outcome.kind === 'not_found') throw notFound(`job '${job.id}'`);
    if (outcome.kind === 'finished') {
      throw new HttpError(
        409,
        'job_finished',
        `Job '${job.id}' has already finished (${outcome.job.state}); there is nothing to cancel.`,
        { status: outcome.job.state },
      );
    }
    ctx.wake();
    // Waiters on this server learn of DELETED or CANCELLING at once, not at the next poll.
    watcher.nudge();
    res.status(204).end();
  };

  const events = async (req: Request, res: Response): Promise<void> => {
    const job = await findJob(req);
    const hitExpiry = job.cachedFrom ? await expiryOf(ctx, job) : null;
    const expiry = (j: Job) => (j.cachedFrom ? hitExpiry : jobExpiresAt(ctx.settings.retention, j));
    const progress = ctx.progress ? progressKey(await ctx.progress.read(job)) : undefined;
    const render = (j: Job) =>
      withProgress(
        jobResource(base(req), j, undefined, expiry(j)),
        ctx.progress?.peek(j.id) ?? null,
      );
    streamJobEvents(req, res, watcher, job, render, progress);
  };

  const files = async (req: Request, res: Response): Promise<void> => {
    const job = await findJob(req);
    const source = await filesSource(ctx, job);
    const service = ctx.catalog.get(job.service);
    const workDir = path.join(ctx.settings.directories.jobs, source.workDir);
    const outputs = service ? await listOutputs(workDir, service.outputs) : [];
    res.json({
      files: outputs.map((f) => jobFileResource(base(req), jobsContent, job, f, source)),
    });
  };

  const oneFile = jobFileRoute(ctx, watcher, findJob, (req) => ({
    api: base(req),
    content: jobsContent,
  }));

  addRoute(router, '/jobs/:jid', { get: showJob, delete: cancelJob });
  addRoute(router, '/jobs/:jid/events', { get: events });
  addRoute(router, '/jobs/:jid/files', { get: files });
  addRoute(router, '/jobs/:jid/deliveries', {
    get: async (req, res) => {
      const job = await findJob(req);
      res.json(deliveriesResource(await ctx.store.listDeliveries(job.id)));
    },
  });
  addRoute(router, '/jobs/:jid/files/*path/events', { get: oneFile.events });
  addRoute(router, '/jobs/:jid/files/*path', { get: oneFile.file });
  addRoute(router, '/services/:sid/jobs/:jid', { get: showJob, delete: cancelJob });
}
