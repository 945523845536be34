import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';
import { idempotencyContract } from './idempotency.contract';
import { idempotentSubmissionContract } from './idempotent-submission.contract';

idempotencyContract('sqlite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'damson-contract-'));
  return new SqliteJobStore(path.join(dir, 'jobs.sqlite'));
});

idempotentSubmissionContract('sqlite', async (settings) => {
  if (settings.store.kind !== 'sqlite') throw new Error('expected the SQLite store');
  return new SqliteJobStore(settings.store.file);
});
