import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../src/http/create-app';
import { jobDirectoryRelative } from '../src/jobs';
import { createLogger } from '../src/lifecycle/logger';
import { ServiceRevisions } from '../src/services/service-revisions';
import { benchAppHome, serveBench } from './bench-app-home';

/**
 * The server of bench/live-output: the real app over SQLite with 1000 jobs to GET, one of which
 * is the busy job whose stdout the benchmark's writer appends to. Prints `{port, ids, busyId,
 * stdout, dir}` when ready.
 */
async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'damson-bench-live-'));
  const { settings, store, catalog, ids } = await benchAppHome(
    dir,
    'api.file-events.max-per-job: 1000\n',
  );
  const busyId = ids[0];
  const busyDir = path.join(settings.directories.jobs, jobDirectoryRelative(busyId));
  mkdirSync(busyDir, { recursive: true });
  const stdout = path.join(busyDir, 'stdout');
  writeFileSync(stdout, '');
  const log = createLogger('bench', 'silent');
  const revisions = new ServiceRevisions(store, catalog);
  const app = createApp({ settings, store, catalog, revisions, wake: () => undefined, log });
  serveBench(app, (port) => ({ port, ids, busyId, stdout, dir }));
}

void main();
