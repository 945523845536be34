import { Router, type Request, type RequestHandler } from 'express';
import { addRoute } from './add-route';
import { isJobState, type JobState } from '../jobs';
import { apiBase, contentBase, type AppContext } from './app-context';
import { apiDocuments } from './api-documents';
import { lowDiskStatus } from './disk-guard';
import { HttpError, notFound } from './http-error';
import { expiryOf } from './job-expiry';
import { uploadExpiresAt } from '../config/retention-policy';
import { serviceStatus } from '../services/health/service-status';
import type { Service } from '../services/service';
import { jobCommandRoute } from './job-command-route';
import { jobRoutes } from './job-routes';
import { pipelineRoutes } from './pipeline-routes';
import { listingScope } from './listing-scope';
import { pipelineTemplateRoutes } from './pipeline-template-routes';
import type { JobWatcher } from './job-watcher';
import { jobResource, serviceResource, statusResource, uploadResource } from './resources';
import { submitJob } from './submit-job';
import { bulkRerun } from './bulk-rerun';
import { adminRoutes } from './admin-routes';
import { rerunJob } from './rerun-job';
import { uploadFile } from './upload-file';
import { DAMSON_VERSION } from '../version';
import type { UsageRow } from '../wire/api-resources';

export { DAMSON_VERSION };

function listQuery(req: Request) {
  const q = req.query;
  const one = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
  const bad = (parameter: string, message: string) =>
    new HttpError(400, 'invalid_query', message, { parameter });
  const states = (one(q.status)?.split(',') ?? []).map((s) => s.trim().toUpperCase());
  const unknown = states.find((s) => !isJobState(s));
  if (unknown) throw bad('status', `status '${unknown}' is not a job state`);
  const limit = Number(one(q.limit) ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw bad('limit', 'limit must be an integer from 1 to 500');
  const since = one(q.since);
  const sinceDate = since ? new Date(since) : undefined;
  if (sinceDate && Number.isNaN(sinceDate.getTime()))
    throw bad('since', 'since must be a date, e.g. 2026-01-31 or 2026-01-31T12:00:00Z');
  const cursor = one(q.cursor);
  if (cursor && !/^[A-Za-z0-9_-]{1,200}$/.test(cursor))
    throw bad('cursor', 'cursor must be a nextCursor value from an earlier page');
  return {
    service: one(q.service),
    states: states as JobState[],
    submittedSince: sinceDate,
    cursor,
    limit,
  };
}

/** The REST API, mounted at `/api` and `/api/v1.1` (with `server.prefix` before both). */
export function apiRouter(
  ctx: AppContext,
  watcher: JobWatcher,
  limits: { submissions: RequestHandler; listing: RequestHandler },
): Router {
  const router = Router();
  const base = (req: Request): string => apiBase(req, ctx.settings);
  const docs = apiDocuments(ctx.settings);

  addRoute(router, '/', { get: docs.reference });
  addRoute(router, '/reference', { get: docs.reference });
  addRoute(router, '/openapi.yaml', { get: docs.openapi });

  addRoute(router, '/version', {
    get: (_req, res) =>
      res.json({ APIVersion: '1.1', slivkaVersion: '0.8.5b1', damsonVersion: DAMSON_VERSION }),
  });
  addRoute(router, '/stats', {
    get: async (_req, res) =>
      res.json({ usageStatictics: (await ctx.store.usageStats()) satisfies UsageRow[] }),
  });

  const statusOf = async (service: Service) =>
    (await lowDiskStatus(ctx.diskSpace)) ??
    statusResource(
      serviceStatus(
        service,
        await ctx.store.currentServiceStatuses(),
        ctx.catalog.problem(service.id),
        ctx.catalog.directory,
      ),
    );
  addRoute(router, '/services', {
    get: async (req, res) => {
      const records = await ctx.store.currentServiceStatuses();
      const lowDisk = await lowDiskStatus(ctx.diskSpace);
      res.json({
        services: ctx.catalog
          .list()
          .map((s) =>
            serviceResource(
              base(req),
              s,
              lowDisk ??
                statusResource(
                  serviceStatus(s, records, ctx.catalog.problem(s.id), ctx.catalog.directory),
                ),
            ),
          ),
      });
    },
  });
  addRoute(router, '/services/:sid', {
    get: async (req, res) => {
      const service = ctx.catalog.get(String(req.params.sid));
      if (!service) throw notFound(`service '${req.params.sid}'`);
      const body = serviceResource(base(req), service, await statusOf(service));
      res.location(String(body['@url'])).json(body);
    },
  });
  addRoute(router, '/services/:sid/jobs', {
    post: [limits.submissions, submitJob(ctx)],
  });
  addRoute(router, '/jobs', {
    get: [
      limits.listing,
      async (req, res) => {
        const scope = listingScope(req, res);
        const page = await ctx.store.listJobs({ ...listQuery(req), owner: scope.owner });
        res.json({
          jobs: await Promise.all(
            page.jobs.map(async (j) => ({
              ...jobResource(base(req), j, undefined, await expiryOf(ctx, j)),
              ...(scope.showOwners ? { owner: j.owner } : {}),
            })),
          ),
          nextCursor: page.nextCursor,
        });
      },
    ],
  });
  // Before the `/jobs/:jid` routes, which would take `rerun` for a job id.
  addRoute(router, '/jobs/rerun', { post: [limits.submissions, bulkRerun(ctx)] });
  addRoute(router, '/jobs/:jid/rerun', { post: [limits.submissions, rerunJob(ctx)] });
  jobRoutes(router, ctx, watcher);
  adminRoutes(router, ctx);
  jobCommandRoute(router, ctx);
  pipelineRoutes(router, ctx, watcher, limits.submissions);
  pipelineTemplateRoutes(router, ctx, limits.submissions);
  addRoute(router, '/files', { post: [limits.submissions, uploadFile(ctx)] });
  addRoute(router, '/files/:fid', {
    get: async (req, res) => {
      const fid = String(req.params.fid);
      const upload = /^[A-Za-z0-9_-]{16}$/.test(fid) ? await ctx.store.getUpload(fid) : null;
      if (!upload) throw notFound(`file '${fid}'`);
      const body = uploadResource(
        base(req),
        contentBase(ctx.settings, 'uploads'),
        upload.id,
        upload.mediaType,
        upload.title,
        uploadExpiresAt(ctx.settings.retention, upload),
      );
      res.location(body['@url']).json(body);
    },
  });
  return router;
}
