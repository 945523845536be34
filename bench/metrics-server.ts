import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../src/http/create-app';
import { ServerMetrics } from '../src/http/server-metrics';
import { createLogger } from '../src/lifecycle/logger';
import { newMetricsRegistry, storeMetrics } from '../src/lifecycle/metrics-registry';
import { ServiceRevisions } from '../src/services/service-revisions';
import { instrumentStore } from '../src/store/instrumented-store';
import { benchAppHome, serveBench } from './bench-app-home';

/**
 * One server for bench/metrics-overhead: the real app over SQLite with 1,000 jobs, wired as
 * `damson server` wires it, with metrics `on` (HTTP metrics and a timed store) or `off`
 * (`metrics.server: off`: no instrumentation at all). Prints `{port, ids, dir}` when ready.
 */
async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode !== 'on' && mode !== 'off') throw new Error('usage: metrics-server on|off');
  const dir = mkdtempSync(path.join(tmpdir(), `damson-bench-metrics-${mode}-`));
  const home = await benchAppHome(dir, `metrics.server: ${mode === 'on' ? 'any' : 'off'}\n`);
  const { settings, store: raw, catalog, ids } = home;
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
  serveBench(app, (port) => ({ port, ids, dir }));
}

void main();
