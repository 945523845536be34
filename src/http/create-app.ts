import path from 'node:path';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { apiRouter } from './api-router';
import type { AppContext } from './app-context';
import { fastJobStatus, recordedHeaders } from './fast-job-status';
import { errorHandler, unknownRoute } from './http-error';
import { progressReader } from './job-progress-reader';
import { JobWatcher } from './job-watcher';
import { mediaRouter } from './media-router';
import { QueueEstimates } from './queue-estimates';
import { PauseBoard } from './pause-board';
import { identifyClient, rateLimits } from './rate-limits';
import { TokenResolver } from './token-resolver';
import { DiskSpace } from '../lifecycle/disk-space';
import { slivkaOnly } from './slivka-only';
import { requestId } from './request-id';
import { issueSession } from './request-owner';
import { packageRoot } from '../lifecycle/package-root';
import { healthRoutes } from './health-routes';
import { serverReadiness } from './server-readiness';
import { ServerMetrics } from './server-metrics';
import { newMetricsRegistry } from '../lifecycle/metrics-registry';

export const PUBLIC_DIRECTORY = path.join(packageRoot(), 'public');

/** The Express app, built without listening: the server process and the tests both use it. */
export function createApp(ctx: AppContext, publicDirectory = PUBLIC_DIRECTORY): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('trust proxy', 'loopback');
  app.set('json spaces', 0);
  // node:querystring: flat string values in a prototype-free object, so `?__proto__[x]=1` or
  // `?constructor=1` is a plain, unknown key (never nested objects, never inherited names).
  app.set('query parser', 'simple');
  const security = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
      },
    },
  });
  const pauses = (ctx.pauses ??= new PauseBoard(ctx.store, ctx.catalog));
  ctx.queueEstimates ??= new QueueEstimates(ctx.store, { holdReason: (j) => pauses.holdReason(j) });
  const limits = rateLimits(ctx.settings.api, ctx.store.rateCounters);
  const { tokens, tokenCacheMs } = ctx.settings.api;
  const identify = identifyClient(
    ctx.settings.api,
    new TokenResolver(tokens, ctx.store.tokens, tokenCacheMs),
  );
  app.use(requestId());
  // Then: every request is counted, and health answers before tokens, limits or slivka rules.
  if (ctx.settings.metrics.server !== 'off') {
    ctx.metrics ??= new ServerMetrics(
      newMetricsRegistry({ processMetrics: false }),
      ctx.catalog,
      ctx.settings,
    );
    app.use(ctx.metrics.middleware);
  }
  app.use(
    healthRoutes({
      metrics: ctx.metrics,
      access: ctx.settings.metrics.server,
      readiness: (ctx.readiness ??= serverReadiness(ctx)),
      readinessTimeoutMs: 2000,
    }),
  );
  if (ctx.settings.api.slivkaOnly) app.use(slivkaOnly());
  // The lean status route would bypass tokens and limits, so it runs only when none are set
  // (and passes on any request that carries a token). Nor when jobs are private: it does not
  // know who is asking.
  if (!limits.active && !ctx.settings.api.privateJobs)
    app.use(fastJobStatus(ctx, recordedHeaders(security)));
  app.use(security);
  ctx.progress ??= progressReader(ctx.settings, ctx.catalog);
  ctx.watcher ??= new JobWatcher(
    ctx.store,
    ctx.settings.api.watchIntervalMs,
    ctx.log,
    ctx.progress,
  );
  const { jobs, uploads } = ctx.settings.directories;
  ctx.diskSpace ??= new DiskSpace(ctx.settings.retention.minFreeDisk, [jobs, uploads]);
  const prefix = ctx.settings.server.prefix;
  const api = apiRouter(ctx, ctx.watcher, limits);
  const mounts = prefix ? [prefix, ''] : [''];
  for (const mount of mounts) {
    app.use(`${mount}/api`, identify, limits.requests);
    app.use(`${mount}/api/v1.1`, api);
    app.use(`${mount}/api`, api);
    // With `server.media: proxy`, nginx serves these paths and the app answers 404 for them.
    // Private jobs' files are their owners' too: the media routes must know who is asking.
    const mediaGuard = ctx.settings.api.privateJobs ? [identify] : [];
    if (ctx.settings.server.media === 'app') app.use(mount || '/', ...mediaGuard, mediaRouter(ctx));
    app.use(
      mount || '/',
      issueSession(prefix),
      express.static(publicDirectory, { index: 'index.html', fallthrough: true }),
    );
  }
  app.use(unknownRoute);
  app.use(errorHandler(ctx.log));
  return app;
}
