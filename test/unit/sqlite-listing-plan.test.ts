import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';

/**
 * The listing's first page must read about a page of rows however many jobs the store holds
 * (bench/big-store.ts measures it with 1,000,000): no query plan of listJobs may sort the
 * matching rows in a temporary B-tree. The SQL is the store's own, caught as it is prepared.
 */
describe('SQLite listing query plans', () => {
  it('walks an index in listing order for every filter a client can give alone', async () => {
    const store = new SqliteJobStore(path.join(mkdtempSync(path.join(tmpdir(), 'plan-')), 's.db'));
    const db = (store as unknown as { db: Database.Database }).db;
    const seen: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      if (/^SELECT \* FROM jobs/.test(sql)) seen.push(sql);
      return prepare(sql);
    }) as typeof db.prepare;
    try {
      const filters = [
        {},
        { service: 'head' },
        { states: ['COMPLETED' as const] },
        { states: ['RUNNING' as const] },
        { service: 'head', states: ['RUNNING' as const] },
        { service: 'head', states: ['COMPLETED' as const] },
        { cursor: undefined },
      ];
      for (const filter of filters) await store.listJobs({ limit: 50, ...filter });
      expect(seen.length).toBe(filters.length);
      for (const sql of seen) {
        const args = (sql.match(/\?/g) ?? []).map((_, i, all) => (i === all.length - 1 ? 51 : 'x'));
        const plan = (
          prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]
        ).map((row) => row.detail);
        expect({ sql, plan }).toEqual({
          sql,
          plan: expect.not.arrayContaining([expect.stringMatching(/TEMP B-TREE/)]),
        });
      }
    } finally {
      db.prepare = prepare;
      await store.close();
    }
  });
});
