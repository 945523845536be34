import { Router, type Request } from 'express';
import path from 'node:path';
import { isJobState, type Job, type JobState } from '../jobs';
import { apiBase, contentBase, type AppContext } from './app-context';
import { HttpError, notFound } from './http-error';
import { confinedFile, listOutputs } from './job-outputs';
import { serviceStatus } from '../services/health/service-status';
import type { Service } from '../services/service';
import {
  jobFileResource,
  jobResource,
  serviceResource,
  statusResource,
  uploadResource,
} from './resources';
import { submitJob } from './submit-job';
import { uploadFile } from './upload-file';

export const DAMSON_VERSION = '0.1.0';

async function findJob(ctx: AppContext, id: string): Promise<Job> {
  const job = /^[A-Za-z0-9_-]{1,64}$/.test(id) ? await ctx.store.getJob(id) : null;
  if (!job) throw notFound(`job '${id}'`);
  return job;
}

function listQuery(req: Request) {
  const q = req.query;
  const one = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
  const states = (one(q.status)?.split(',') ?? []).map((s) => s.trim().toUpperCase());
  const bad = states.find((s) => !isJobState(s));
  if (bad) throw new HttpError(400, 'invalid_query', `status '${bad}' is not a job state`);
  const limit = Number(one(q.limit) ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw new HttpError(400, 'invalid_query', 'limit must be an integer from 1 to 500');
  const since = one(q.since);
  const sinceDate = since ? new Date(since) : undefined;
  if (sinceDate && Number.isNaN(sinceDate.getTime()))
    throw new HttpError(400, 'invalid_query', 'since must be a date');
  return {
    service: one(q.service),
    states: states as JobState[],
    submittedSince: sinceDate,
    cursor: one(q.cursor),
    limit,
  };
}

export function apiRouter(ctx: AppContext): Router {
  const router = Router();
  const base = (req: Request): string => apiBase(req, ctx.settings);
  const jobsContent = contentBase(ctx.settings, 'jobs');

  router.get('/version', (_req, res) => {
    res.json({ APIVersion: '1.1', slivkaVersion: '0.8.5b1', damsonVersion: DAMSON_VERSION });
  });

  router.get('/stats', async (_req, res) => {
    res.json({ usageStatictics: await ctx.store.usageStats() });
  });

  const statusOf = async (service: Service) =>
    statusResource(
      serviceStatus(
        service,
        await ctx.store.currentServiceStatuses(),
        ctx.catalog.problem(service.id),
      ),
    );

  router.get('/services', async (req, res) => {
    const services = ctx.catalog.list();
    const records = await ctx.store.currentServiceStatuses();
    res.json({
      services: services.map((s) =>
        serviceResource(
          base(req),
          s,
          statusResource(serviceStatus(s, records, ctx.catalog.problem(s.id))),
        ),
      ),
    });
  });

  router.get('/services/:sid', async (req, res) => {
    const service = ctx.catalog.get(req.params.sid);
    if (!service) throw notFound(`service '${req.params.sid}'`);
    const body = serviceResource(base(req), service, await statusOf(service));
    res.location(String(body['@url'])).json(body);
  });

  router.post('/services/:sid/jobs', submitJob(ctx));

  router.get('/jobs', async (req, res) => {
    const page = await ctx.store.listJobs(listQuery(req));
    res.json({
      jobs: page.jobs.map((j) => jobResource(base(req), j)),
      nextCursor: page.nextCursor,
    });
  });

  const showJob = async (req: Request, res: import('express').Response, service?: string) => {
    const job = await findJob(ctx, String(req.params.jid));
    if (service !== undefined && job.service !== service) throw notFound(`job '${req.params.jid}'`);
    const body = jobResource(base(req), job);
    res.location(String(body['@url'])).json(body);
  };
  const cancelJob = async (req: Request, res: import('express').Response, service?: string) => {
    const job = await findJob(ctx, String(req.params.jid));
    if (service !== undefined && job.service !== service) throw notFound(`job '${req.params.jid}'`);
    await ctx.store.requestCancel(job.id);
    ctx.wake();
    res.status(204).end();
  };
  router.get('/jobs/:jid', (req, res) => showJob(req, res));
  router.delete('/jobs/:jid', (req, res) => cancelJob(req, res));
  router.get('/services/:sid/jobs/:jid', (req, res) => showJob(req, res, req.params.sid));
  router.delete('/services/:sid/jobs/:jid', (req, res) => cancelJob(req, res, req.params.sid));

  router.get('/jobs/:jid/files', async (req, res) => {
    const job = await findJob(ctx, req.params.jid);
    const service = ctx.catalog.get(job.service);
    const outputs = service
      ? await listOutputs(path.join(ctx.settings.directories.jobs, job.workDir), service.outputs)
      : [];
    res.json({ files: outputs.map((f) => jobFileResource(base(req), jobsContent, job, f)) });
  });

  router.get('/jobs/:jid/files/*file', async (req, res) => {
    const job = await findJob(ctx, req.params.jid);
    const relative = ([] as string[]).concat(req.params.file as unknown as string[]).join('/');
    const service = ctx.catalog.get(job.service);
    const workDir = path.join(ctx.settings.directories.jobs, job.workDir);
    const outputs = service ? await listOutputs(workDir, service.outputs) : [];
    const file = outputs.find((f) => f.path === relative);
    if (!file || !(await confinedFile(workDir, relative)))
      throw notFound(`file '${relative}' of job '${job.id}'`);
    const body = jobFileResource(base(req), jobsContent, job, file);
    res.location(body['@url']).json(body);
  });

  router.post('/files', uploadFile(ctx));

  router.get('/files/:fid', async (req, res) => {
    const upload = /^[A-Za-z0-9_-]{16}$/.test(req.params.fid)
      ? await ctx.store.getUpload(req.params.fid)
      : null;
    if (!upload) throw notFound(`file '${req.params.fid}'`);
    const body = uploadResource(
      base(req),
      contentBase(ctx.settings, 'uploads'),
      upload.id,
      upload.mediaType,
    );
    res.location(body['@url']).json(body);
  });

  return router;
}
