import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { JobStore } from '../../src/store/job-store';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';
import { jobOwnersContract } from './job-owners.contract';

const files = new Map<JobStore, string>();

describe('Job owners contract: SQLite', () => {
  jobOwnersContract({
    async open() {
      const dir = mkdtempSync(path.join(tmpdir(), 'damson-owners-'));
      const store = new SqliteJobStore(path.join(dir, 'jobs.sqlite'));
      files.set(store, path.join(dir, 'jobs.sqlite'));
      return store;
    },
    async dispose(store) {
      await store.close();
      rmSync(path.dirname(files.get(store)!), { recursive: true, force: true });
      files.delete(store);
    },
    // A file from before owners: no owner column, no owner index. Reopening migrates it.
    async forgetOwners(store) {
      const file = files.get(store)!;
      await store.close();
      const db = new Database(file);
      db.exec(`DROP INDEX jobs_by_owner; DROP INDEX jobs_awaiting_claim_by_owner;
               ALTER TABLE jobs DROP COLUMN owner;`);
      db.close();
      const reopened = new SqliteJobStore(file);
      files.delete(store);
      files.set(reopened, file);
      return reopened;
    },
  });
});
