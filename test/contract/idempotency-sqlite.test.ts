import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';
import { idempotencyContract } from './idempotency.contract';

idempotencyContract('sqlite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'damson-contract-'));
  return new SqliteJobStore(path.join(dir, 'jobs.sqlite'));
});
