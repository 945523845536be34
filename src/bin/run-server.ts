import type { Server } from 'node:http';
import { loadSettings } from '../config/load-settings';
import type { Settings } from '../config/settings';
import { createApp } from '../http/create-app';
import { progressReader } from '../http/job-progress-reader';
import { JobWatcher } from '../http/job-watcher';
import { createLogger } from '../lifecycle/logger';
import { ServiceCatalog } from '../services/service-catalog';
import { ServiceRevisions } from '../services/service-revisions';
import { watchCatalog } from '../services/watch-catalog';
import { ChangeListener } from '../transport/job-changes';
import { WakeSender } from '../transport/wake';
import { instrumentedStore, openStore } from './open-store';
import { ServerMetrics } from '../http/server-metrics';
import { newMetricsRegistry } from '../lifecycle/metrics-registry';
import { onTerminate } from './signals';
import type { RoleHandle } from './role-handle';

/** Where one server listens when several share a host (`damson server --listen`). */
export interface ListenAddress {
  host: string;
  port: number;
}

export async function runServer(listen?: ListenAddress): Promise<void> {
  const { log, steps } = await startServer(loadSettings(), listen);
  onTerminate(log, steps);
}

/** The server, listening; its shutdown steps are the caller's to run (alone or combined). */
export async function startServer(loaded: Settings, listen?: ListenAddress): Promise<RoleHandle> {
  const settings = listen
    ? { ...loaded, server: { ...loaded.server, host: listen.host, port: listen.port } }
    : loaded;
  const log = createLogger('server', settings.logLevel);
  const catalog = new ServiceCatalog(settings.directories.services);
  const metrics =
    settings.metrics.server === 'off'
      ? undefined
      : new ServerMetrics(newMetricsRegistry(), catalog, settings);
  const store = instrumentedStore(await openStore(settings), metrics?.registry);
  for (const error of catalog.reload())
    log.error({ file: error.file, line: error.line }, error.message);
  const stopWatching = watchCatalog(catalog, log);
  const waker = new WakeSender(settings.scheduler.wakeAddress);
  const revisions = new ServiceRevisions(store, catalog);
  const progress = progressReader(settings, catalog);
  const watcher = new JobWatcher(store, settings.api.watchIntervalMs, log, progress);
  const changes = new ChangeListener(settings.scheduler.changesAddress);
  changes.start(() => watcher.nudge());
  const app = createApp({
    settings,
    store,
    catalog,
    revisions,
    wake: () => waker.wake(),
    log,
    watcher,
    progress,
    metrics,
  });
  const server: Server = app.listen(settings.server.port, settings.server.host, () => {
    log.info(
      { host: settings.server.host, port: settings.server.port, services: catalog.list().length },
      'server listening',
    );
  });
  server.keepAliveTimeout = 5000;
  return {
    log,
    steps: [
      {
        name: 'stop intake',
        run: () => {
          // Long-polls answer now and event streams end; their keep-alive connections turn
          // idle a moment later, so keep closing idle ones until the server has closed.
          watcher.close();
          const sweep = setInterval(() => server.closeIdleConnections(), 50);
          return new Promise<void>((resolve) =>
            server.close(() => {
              clearInterval(sweep);
              resolve();
            }),
          );
        },
      },
      { name: 'stop watching', run: stopWatching },
      { name: 'close wake socket', run: () => waker.close() },
      { name: 'close change listener', run: () => changes.close() },
      { name: 'close store', run: () => store.close() },
    ],
  };
}
