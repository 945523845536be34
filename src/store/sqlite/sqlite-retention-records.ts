import type Database from 'better-sqlite3';
import { FINISHED_STATES, type Job, type NewJob } from '../../jobs';
import type { ExpiryRule, RetentionRecords, Tombstone } from '../retention-records';
import { firstHistory } from './history-sql';
import { placeholders } from './placeholders';
import { newJobValues, rowToJob, type JobRow } from './row-mapping';

/**
 * Created after the columns below exist (a file from before them gets them first). Only originals
 * carry a cache key, so the partial index holds just the jobs of services that opted in.
 */
const RETENTION_SCHEMA = `
CREATE INDEX IF NOT EXISTS jobs_by_cache_key ON jobs (cache_key, completed_at)
  WHERE cache_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_by_cached_from ON jobs (cached_from) WHERE cached_from IS NOT NULL;
CREATE TABLE IF NOT EXISTS tombstones (
  id TEXT PRIMARY KEY,
  service TEXT NOT NULL,
  expired_at INTEGER NOT NULL,
  forget_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tombstones_by_forget ON tombstones (forget_at);
`;

/** Columns of the jobs table this module adds (the job store's insert writes cache_key). */
export const RETENTION_COLUMNS: ReadonlyArray<readonly [column: string, type: string]> = [
  ['cache_key', 'TEXT'],
  ['cached_from', 'TEXT'],
];

interface TombstoneRow {
  id: string;
  service: string;
  expired_at: number;
  forget_at: number;
}

export class SqliteRetentionRecords implements RetentionRecords {
  constructor(private readonly db: Database.Database) {
    const columns = db.prepare('PRAGMA table_info(jobs)').all() as { name: string }[];
    for (const [column, type] of RETENTION_COLUMNS) {
      if (columns.some((c) => c.name === column)) continue;
      try {
        db.exec(`ALTER TABLE jobs ADD COLUMN ${column} ${type}`);
      } catch (error) {
        // The server and the scheduler open the file at once: the other one added it first.
        if (!/duplicate column/i.test(String((error as Error).message))) throw error;
      }
    }
    db.exec(RETENTION_SCHEMA);
  }

  async findCachedResult(cacheKey: string, completedSince: Date): Promise<Job | null> {
    const row = this.db
      .prepare(
        `SELECT * FROM jobs INDEXED BY jobs_by_cache_key
         WHERE cache_key = ? AND completed_at >= ? AND state = 'COMPLETED' AND cached_from IS NULL
         ORDER BY completed_at DESC LIMIT 1`,
      )
      .get(cacheKey, completedSince.getTime()) as JobRow | undefined;
    return row ? rowToJob(row) : null;
  }

  async insertCacheHit(original: Job, job: NewJob): Promise<Job> {
    const now = Date.now();
    const row = this.db
      .prepare(
        `INSERT INTO jobs (id, service, inputs, parameters, state, submitted_at, completed_at,
           runner, work_dir, exit_code, service_revision, cached_from, history)
         VALUES (?, ?, ?, ?, 'COMPLETED', ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      )
      .get(
        ...newJobValues(job),
        now,
        now,
        original.runner,
        // Its own directory, never created: files resolve through cachedFrom.
        job.workDir,
        original.exitCode,
        job.serviceRevision ?? null,
        original.id,
        firstHistory('COMPLETED', now),
      ) as JobRow;
    return rowToJob(row);
  }

  async expireFinished(rule: ExpiryRule, forgetAt: Date, limit: number): Promise<Job[]> {
    const finished = [...FINISHED_STATES];
    const where = [
      'completed_at < ?',
      `state IN (${placeholders(finished.length)})`,
      // A hit goes with its original (below), never on its own before it.
      'cached_from IS NULL',
    ];
    const args: (string | number)[] = [rule.cutoff.getTime(), ...finished];
    if (rule.service !== undefined) {
      where.push('service = ?');
      args.push(rule.service);
    }
    if (rule.exceptServices?.length) {
      where.push(`service NOT IN (${placeholders(rule.exceptServices.length)})`);
      args.push(...rule.exceptServices);
    }
    const expire = this.db.transaction((): JobRow[] => {
      const originals = this.db
        .prepare(
          `DELETE FROM jobs WHERE seq IN (SELECT seq FROM jobs INDEXED BY jobs_by_completion
             WHERE ${where.join(' AND ')} ORDER BY completed_at LIMIT ?) RETURNING *`,
        )
        .all(...args, limit) as JobRow[];
      const ids = originals.map((row) => row.id);
      const hits = ids.length
        ? (this.db
            .prepare(
              `DELETE FROM jobs WHERE cached_from IN (SELECT value FROM json_each(?)) RETURNING *`,
            )
            .all(JSON.stringify(ids)) as JobRow[])
        : [];
      const now = Date.now();
      const tombstone = this.db.prepare(
        `INSERT INTO tombstones (id, service, expired_at, forget_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING`,
      );
      for (const row of [...originals, ...hits])
        tombstone.run(row.id, row.service, now, forgetAt.getTime());
      return [...originals, ...hits];
    });
    return expire.immediate().map(rowToJob);
  }

  async getTombstone(id: string): Promise<Tombstone | null> {
    const row = this.db.prepare('SELECT * FROM tombstones WHERE id = ?').get(id) as
      TombstoneRow | undefined;
    return row
      ? {
          id: row.id,
          service: row.service,
          expiredAt: new Date(row.expired_at),
          forgetAt: new Date(row.forget_at),
        }
      : null;
  }

  async forgetTombstones(now: Date): Promise<number> {
    return this.db.prepare('DELETE FROM tombstones WHERE forget_at <= ?').run(now.getTime())
      .changes;
  }
}
