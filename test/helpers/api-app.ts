import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadSettings } from '../../src/config/load-settings';
import type { Settings } from '../../src/config/settings';
import type { AppContext } from '../../src/http/app-context';
import { createApp } from '../../src/http/create-app';
import { JobWatcher } from '../../src/http/job-watcher';
import { createLogger } from '../../src/lifecycle/logger';
import { ServiceCatalog } from '../../src/services/service-catalog';
import { ServiceRevisions } from '../../src/services/service-revisions';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';
import { EXAMPLE_SERVICES, makeDamsonHome, type DamsonHome } from './damson-home';

export interface ApiApp {
  home: DamsonHome;
  baseUrl: string;
  settings: Settings;
  store: SqliteJobStore;
  ctx: AppContext;
  /** How many times the app nudged the scheduler. */
  wakes: () => number;
  close: () => Promise<void>;
}

/**
 * The real app (real SQLite store, real service files, real uploads directory) listening on a
 * free loopback port in this process, without a scheduler: tests move jobs through the store.
 */
export async function startApiApp(
  extra: Record<string, unknown> = {},
  services = EXAMPLE_SERVICES,
  log = createLogger('test', 'silent'),
): Promise<ApiApp> {
  const home = await makeDamsonHome(extra as Record<string, string | number>, services);
  const settings = loadSettings({ DAMSON_HOME: home.home });
  if (settings.store.kind !== 'sqlite') throw new Error('startApiApp needs the SQLite store');
  const store = new SqliteJobStore(settings.store.file);
  const catalog = new ServiceCatalog(settings.directories.services);
  const errors = catalog.reload();
  if (errors.length) throw new Error(errors.map((e) => e.message).join('\n'));
  const watcher = new JobWatcher(store, settings.api.watchIntervalMs, log);
  let wakes = 0;
  const revisions = new ServiceRevisions(store, catalog);
  const ctx: AppContext = {
    settings,
    store,
    catalog,
    revisions,
    wake: () => wakes++,
    log,
    watcher,
  };
  const server: Server = createApp(ctx).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    home,
    baseUrl: `http://127.0.0.1:${port}`,
    settings,
    store,
    ctx,
    wakes: () => wakes,
    close: async () => {
      watcher.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await store.close();
    },
  };
}
