import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JobStore } from '../../src/store/job-store';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';
import { operationsRecordsContract } from './operations-records.contract';

const dirs = new Map<JobStore, string>();

describe('Operations records contract: SQLite', () => {
  operationsRecordsContract({
    async open() {
      const dir = mkdtempSync(path.join(tmpdir(), 'damson-operations-'));
      const store = new SqliteJobStore(path.join(dir, 'jobs.sqlite'));
      dirs.set(store, dir);
      return store;
    },
    async dispose(store) {
      await store.close();
      rmSync(dirs.get(store)!, { recursive: true, force: true });
      dirs.delete(store);
    },
  });
});
