import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSettings } from '../src/config/load-settings';
import { createApp } from '../src/http/create-app';
import { jobDirectoryRelative, newJobId } from '../src/jobs';
import { createLogger } from '../src/lifecycle/logger';
import { packageRoot } from '../src/lifecycle/package-root';
import { ServiceCatalog } from '../src/services/service-catalog';
import { ServiceRevisions } from '../src/services/service-revisions';
import { SqliteJobStore } from '../src/store/sqlite/sqlite-job-store';

/**
 * The server of bench/live-output: the real app over SQLite with 1000 jobs to GET, one of which
 * is the busy job whose stdout the benchmark's writer appends to. Prints `{port, ids, busyId,
 * stdout, dir}` when ready.
 */
async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'damson-bench-live-'));
  symlinkSync(
    path.join(packageRoot(), 'bench', 'fixtures', 'services'),
    path.join(dir, 'services'),
  );
  writeFileSync(
    path.join(dir, 'settings.yaml'),
    "version: '0.8'\nlog.level: silent\napi.file-events.max-per-job: 1000\n",
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
  const busyId = ids[0];
  const busyDir = path.join(settings.directories.jobs, jobDirectoryRelative(busyId));
  mkdirSync(busyDir, { recursive: true });
  const stdout = path.join(busyDir, 'stdout');
  writeFileSync(stdout, '');
  const catalog = new ServiceCatalog(settings.directories.services);
  catalog.reload();
  const log = createLogger('bench', 'silent');
  const revisions = new ServiceRevisions(store, catalog);
  const app = createApp({ settings, store, catalog, revisions, wake: () => undefined, log });
  const server = app.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify({ port, ids, busyId, stdout, dir })}\n`);
  });
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

void main();
