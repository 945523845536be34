import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadSettings } from '../src/config/load-settings';
import type { Settings } from '../src/config/settings';
import { jobDirectoryRelative, newJobId } from '../src/jobs';
import { packageRoot } from '../src/lifecycle/package-root';
import { ServiceCatalog } from '../src/services/service-catalog';
import { SqliteJobStore } from '../src/store/sqlite/sqlite-job-store';

export interface BenchAppHome {
  settings: Settings;
  store: SqliteJobStore;
  catalog: ServiceCatalog;
  /** The ids of the jobs put in the store, for the benchmark to GET. */
  ids: string[];
}

/**
 * The home of an in-process app for the HTTP benchmarks: bench/fixtures/services, these settings
 * (YAML lines), and a SQLite store holding 1,000 jobs of the `submit` service.
 */
export async function benchAppHome(dir: string, settingsYaml: string): Promise<BenchAppHome> {
  symlinkSync(
    path.join(packageRoot(), 'bench', 'fixtures', 'services'),
    path.join(dir, 'services'),
  );
  writeFileSync(
    path.join(dir, 'settings.yaml'),
    `version: '0.8'\nlog.level: silent\n${settingsYaml}`,
  );
  const settings = loadSettings({ DAMSON_HOME: dir });
  if (settings.store.kind !== 'sqlite') throw new Error('the benchmark uses the SQLite store');
  const store = new SqliteJobStore(settings.store.file);
  const ids: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const id = newJobId();
    ids.push(id);
    await store.insertJob({
      id,
      service: 'submit',
      inputs: { count: '3' },
      parameters: { count: '3', label: 'bench', mode: 'fast' },
      workDir: jobDirectoryRelative(id),
    });
  }
  const catalog = new ServiceCatalog(settings.directories.services);
  catalog.reload();
  return { settings, store, catalog, ids };
}

/** Listens on a free port, prints `ready(port)` as one JSON line, and closes on SIGTERM. */
export function serveBench(app: Express, ready: (port: number) => Record<string, unknown>): void {
  const server = app.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify(ready(port))}\n`);
  });
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
