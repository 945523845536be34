import express, { type Express } from 'express';
import helmet from 'helmet';
import { apiRouter } from './api-router';
import type { AppContext } from './app-context';
import { errorHandler, unknownRoute } from './http-error';
import { mediaRouter } from './media-router';
import { packageRoot } from '../lifecycle/package-root';

import path from 'node:path';

export const PUBLIC_DIRECTORY = path.join(packageRoot(), 'public');

/** The Express app, built without listening: the server process and the tests both use it. */
export function createApp(ctx: AppContext, publicDirectory = PUBLIC_DIRECTORY): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('json spaces', 0);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          connectSrc: ["'self'"],
        },
      },
    }),
  );
  const prefix = ctx.settings.server.prefix;
  const api = apiRouter(ctx);
  const mounts = prefix ? [prefix, ''] : [''];
  for (const mount of mounts) {
    app.use(`${mount}/api/v1.1`, api);
    app.use(`${mount}/api`, api);
    if (ctx.settings.server.media === 'app') app.use(mount || '/', mediaRouter(ctx));
    app.use(
      mount || '/',
      express.static(publicDirectory, { index: 'index.html', fallthrough: true }),
    );
  }
  app.use(unknownRoute);
  app.use(errorHandler(ctx.log));
  return app;
}
