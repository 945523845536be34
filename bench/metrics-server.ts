import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSettings } from '../src/config/load-settings';
import { createApp } from '../src/http/create-app';
import { ServerMetrics } from '../src/http/server-metrics';
import { newJobId, jobDirectoryRelative } from '../src/jobs';
import { createLogger } from '../src/lifecycle/logger';
import { newMetricsRegistry, storeMetrics } from '../src/lifecycle/metrics-registry';
import { packageRoot } from '../src/lifecycle/package-root';
import { ServiceCatalog } from '../src/services/service-catalog';
import { ServiceRevisions } from '../src/services/service-revisions';
import { instrumentStore } from '../src/store/instrumented-store';
import { SqliteJobStore } from '../src/store/sqlite/sqlite-job-store';

/**
 * One server for bench/metrics-overhead: the real app over SQLite with 1,000 jobs, wired as
 * `damson server` wires it, with metrics `on` (HTTP metrics and a timed store) or `off`
 * (`metrics.server: off`: no instrumentation at all). Prints `{port, ids, dir}` when ready.
 */
async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode !== 'on' && mode !== 'off') throw new Error('usage: metrics-server on|off');
  const dir = mkdtempSync(path.join(tmpdir(), `damson-bench-metrics-${mode}-`));
  symlinkSync(
    path.join(packageRoot(), 'bench', 'fixtures', 'services'),
    path.join(dir, 'services'),
  );
  writeFileSync(
    path.join(dir, 'settings.yaml'),
    `version: '0.8'\nlog.level: silent\nmetrics.server: ${mode === 'on' ? 'any' : 'off'}\n`,
  );
  const settings = loadSettings({ DAMSON_HOME: dir });
  if (settings.store.kind !== 'sqlite') throw new Error('the benchmark uses the SQLite store');
  const raw = new SqliteJobStore(settings.store.file);
  const ids: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const id = newJobId();
    ids.push(id);
    await raw.insertJob({
      id,
      service: 'submit',
      inputs: { count: '3' },
      parameters: { count: '3', label: 'bench', mode: 'fast' },
      workDir: jobDirectoryRelative(id),
    });
  }
  const catalog = new ServiceCatalog(settings.directories.services);
  catalog.reload();
  const metrics =
    mode === 'on' ? new ServerMetrics(newMetricsRegistry(), catalog, settings) : undefined;
  const store = metrics ? instrumentStore(raw, storeMetrics(metrics.registry)) : raw;
  const log = createLogger('bench', 'silent');
  const revisions = new ServiceRevisions(store, catalog);
  const app = createApp({
    settings,
    store,
    catalog,
    revisions,
    wake: () => undefined,
    log,
    metrics,
  });
  const server = app.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify({ port, ids, dir })}\n`);
  });
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

void main();
