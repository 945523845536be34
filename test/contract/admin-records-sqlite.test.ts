import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';
import { adminRecordsContract } from './admin-records.contract';

adminRecordsContract('sqlite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'damson-contract-'));
  return new SqliteJobStore(path.join(dir, 'store.sqlite'));
});
