import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import multer from 'multer';
import { loadSettings } from '../src/config/load-settings';
import { createApp } from '../src/http/create-app';
import { newJobId, jobDirectoryRelative } from '../src/jobs';
import { createLogger } from '../src/lifecycle/logger';
import { packageRoot } from '../src/lifecycle/package-root';
import { ServiceCatalog } from '../src/services/service-catalog';
import { ServiceRevisions } from '../src/services/service-revisions';
import { SqliteJobStore } from '../src/store/sqlite/sqlite-job-store';

/**
 * One server for bench/http-api: `express-get` and `express-multer` are the baselines,
 * `damson` is the real app (SQLite store pre-filled with jobs). Prints `{port, ids}` when ready.
 */
export const SAMPLE_JOB = {
  '@url': '/api/jobs/AbCdEfGhIjKlMnOp',
  id: 'AbCdEfGhIjKlMnOp',
  service: 'submit',
  parameters: { input: 'QrStUvWxYz012345', count: '3', label: 'bench', mode: 'fast' },
  submissionTime: '2026-01-01T12:00:00',
  completionTime: null,
  finished: false,
  status: 'PENDING',
};

async function expressGet(): Promise<express.Express> {
  const app = express();
  app.get('/api/jobs/:id', (_req, res) => {
    res.json(SAMPLE_JOB);
  });
  return app;
}

async function expressMulter(dir: string): Promise<express.Express> {
  const app = express();
  const upload = multer({ dest: dir, limits: { fileSize: 1 << 20, files: 1, fields: 10 } });
  app.post('/api/services/submit/jobs', upload.single('input'), (_req, res) => {
    res.status(202).json(SAMPLE_JOB);
  });
  return app;
}

async function damson(dir: string): Promise<{ app: express.Express; ids: string[] }> {
  symlinkSync(
    path.join(packageRoot(), 'bench', 'fixtures', 'services'),
    path.join(dir, 'services'),
  );
  writeFileSync(path.join(dir, 'settings.yaml'), "version: '0.8'\nlog.level: silent\n");
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
  const log = createLogger('bench', 'silent');
  const revisions = new ServiceRevisions(store, catalog);
  const app = createApp({ settings, store, catalog, revisions, wake: () => undefined, log });
  return { app, ids };
}

async function main(): Promise<void> {
  const kind = process.argv[2];
  const dir = mkdtempSync(path.join(tmpdir(), `damson-bench-${kind}-`));
  mkdirSync(dir, { recursive: true });
  let app: express.Express;
  let ids: string[] = [];
  if (kind === 'express-get') app = await expressGet();
  else if (kind === 'express-multer') app = await expressMulter(dir);
  else if (kind === 'damson') ({ app, ids } = await damson(dir));
  else throw new Error(`unknown server kind '${kind}'`);
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
