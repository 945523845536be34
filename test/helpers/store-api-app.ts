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
import type { JobStore } from '../../src/store/job-store';
import { makeDamsonHome, type DamsonHome } from './damson-home';

export interface StoreApiApp {
  home: DamsonHome;
  baseUrl: string;
  port: number;
  settings: Settings;
  store: JobStore;
  close: () => Promise<void>;
}

/**
 * The real app on a free loopback port in this process over the store `openStore` gives (SQLite
 * or MongoDB), without a scheduler: for HTTP behaviour that is really store behaviour.
 */
export async function startStoreApiApp(
  openStore: (settings: Settings) => Promise<JobStore>,
  services: string,
  extra: Record<string, unknown> = {},
): Promise<StoreApiApp> {
  const home = await makeDamsonHome(extra as Record<string, string | number>, services);
  const settings = loadSettings({ DAMSON_HOME: home.home });
  const store = await openStore(settings);
  const catalog = new ServiceCatalog(settings.directories.services);
  const errors = catalog.reload();
  if (errors.length) throw new Error(errors.map((e) => e.message).join('\n'));
  const log = createLogger('test', 'silent');
  const watcher = new JobWatcher(store, settings.api.watchIntervalMs, log);
  const ctx: AppContext = {
    settings,
    store,
    catalog,
    revisions: new ServiceRevisions(store, catalog),
    wake: () => undefined,
    log,
    watcher,
  };
  const server: Server = createApp(ctx).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    home,
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    settings,
    store,
    close: async () => {
      watcher.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await store.close();
    },
  };
}
