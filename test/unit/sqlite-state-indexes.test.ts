import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { jobDirectoryRelative, newJobId } from '../../src/jobs';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';

/**
 * The state-led indexes are split in an unfinished and a finished half (state-indexes.ts), so a
 * claim writes the same pages however many jobs have finished; bench/big-store.ts measures the
 * rates with 1,000,000. Pages written are counted from the WAL's frame headers: exact, not timed.
 */
const dbOf = (store: SqliteJobStore): Database.Database =>
  (store as unknown as { db: Database.Database }).db;

const newJob = (service: string) => {
  const id = newJobId();
  return { id, service, inputs: {}, parameters: {}, workDir: jobDirectoryRelative(id) };
};

/** `count` finished jobs, copied by SQL from one the store wrote (as bench/big-store-fill.ts). */
async function addFinished(store: SqliteJobStore, count: number): Promise<void> {
  const template = await store.insertJob(newJob('head'));
  const db = dbOf(store);
  const columns = (db.prepare('PRAGMA table_info(jobs)').all() as { name: string }[])
    .map((c) => c.name)
    .filter((name) => !['seq', 'id', 'state', 'completed_at', 'work_dir'].includes(name));
  db.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     INSERT INTO jobs (id, state, completed_at, work_dir, ${columns.join(', ')})
     SELECT printf('f%015d', i), 'COMPLETED', submitted_at + 1, printf('f/%d', i), ${columns.join(', ')}
     FROM n, (SELECT * FROM jobs WHERE id = ?)`,
  ).run(count, template.id);
  db.prepare('DELETE FROM jobs WHERE id = ?').run(template.id);
}

/** Pages each claim writes to the WAL, averaged over `claims` claims of jobs just submitted. */
async function pagesPerClaim(store: SqliteJobStore, file: string, claims: number) {
  for (let i = 0; i < claims; i++) await store.insertJob(newJob('head'));
  const db = dbOf(store);
  db.pragma('wal_autocheckpoint = 0');
  db.pragma('wal_checkpoint(TRUNCATE)');
  for (let i = 0; i < claims; i++) await store.claimPending('test', 60_000, 1, 'head');
  const wal = readFileSync(`${file}-wal`);
  const frameBytes = 24 + wal.readUInt32BE(8);
  return (wal.length - 32) / frameBytes / claims;
}

describe('SQLite state indexes', () => {
  const dirs: string[] = [];
  const open = (): { store: SqliteJobStore; file: string } => {
    const dir = mkdtempSync(path.join(tmpdir(), 'state-indexes-'));
    dirs.push(dir);
    const file = path.join(dir, 's.db');
    return { store: new SqliteJobStore(file), file };
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('a claim writes no more pages with 20,000 finished jobs than with none', async () => {
    const small = open();
    const big = open();
    await addFinished(big.store, 20_000);
    const [few, many] = [
      await pagesPerClaim(small.store, small.file, 50),
      await pagesPerClaim(big.store, big.file, 50),
    ];
    await small.store.close();
    await big.store.close();
    // The single (state, seq) index crossed the finished block: about 3 pages more per claim.
    expect(many).toBeLessThanOrEqual(few + 0.5);
  });

  it('replaces the indexes of earlier versions when an existing store is opened', async () => {
    const { store, file } = open();
    const db = dbOf(store);
    db.exec(`DROP INDEX jobs_unfinished_by_state; DROP INDEX jobs_finished_by_state;
      DROP INDEX jobs_unfinished_counts; DROP INDEX jobs_finished_counts;
      CREATE INDEX jobs_by_state ON jobs (state, priority DESC, seq);
      CREATE INDEX jobs_by_state_listing ON jobs (state, seq);
      CREATE INDEX jobs_by_service_state ON jobs (service, state);`);
    const running = await store.insertJob(newJob('head'));
    await addFinished(store, 10);
    await store.close();

    const reopened = new SqliteJobStore(file);
    const indexes = (
      dbOf(reopened)
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs'")
        .all() as { name: string }[]
    ).map((row) => row.name);
    expect(indexes).toEqual(
      expect.arrayContaining([
        'jobs_unfinished_by_state',
        'jobs_finished_by_state',
        'jobs_unfinished_counts',
        'jobs_finished_counts',
      ]),
    );
    expect(indexes).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^jobs_by_state|^jobs_by_service_state$/)]),
    );
    expect((await reopened.listJobs({ limit: 50, states: ['COMPLETED'] })).jobs).toHaveLength(10);
    expect((await reopened.listJobs({ limit: 50, states: ['PENDING'] })).jobs).toEqual([
      expect.objectContaining({ id: running.id }),
    ]);
    expect(await reopened.operations.jobCounts()).toEqual(
      expect.arrayContaining([
        { service: 'head', state: 'PENDING', count: 1 },
        { service: 'head', state: 'COMPLETED', count: 10 },
      ]),
    );
    await reopened.close();
  });
});
