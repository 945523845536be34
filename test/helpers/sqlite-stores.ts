import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JobStore } from '../../src/store/job-store';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';

/**
 * Fresh SQLite stores for a contract suite, each in a directory of its own. `open` and `dispose`
 * fit the suites that take both; the suites that take only a factory get their directories removed
 * after the file's tests all the same.
 */
export function sqliteStores(prefix = 'damson-contract-'): {
  open(): Promise<SqliteJobStore>;
  dispose(store: JobStore): Promise<void>;
} {
  const dirs = new Map<JobStore, string>();
  afterAll(() => {
    for (const dir of dirs.values()) rmSync(dir, { recursive: true, force: true });
    dirs.clear();
  });
  return {
    async open() {
      const dir = mkdtempSync(path.join(tmpdir(), prefix));
      const store = new SqliteJobStore(path.join(dir, 'jobs.sqlite'));
      dirs.set(store, dir);
      return store;
    },
    async dispose(store) {
      await store.close();
      rmSync(dirs.get(store)!, { recursive: true, force: true });
      dirs.delete(store);
    },
  };
}
