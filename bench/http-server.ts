import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import multer from 'multer';
import { createApp } from '../src/http/create-app';
import { createLogger } from '../src/lifecycle/logger';
import { ServiceRevisions } from '../src/services/service-revisions';
import { benchAppHome, serveBench } from './bench-app-home';

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
  const { settings, store, catalog, ids } = await benchAppHome(dir, '');
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
  serveBench(app, (port) => ({ port, ids, dir }));
}

void main();
