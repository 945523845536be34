import type Database from 'better-sqlite3';
import type { Job } from '../../jobs';
import type { OwnerDue } from '../job-store';
import { APPEND_HISTORY_SQL, historyArgs } from './history-sql';
import { rowToJob, type JobRow } from './row-mapping';
import { AWAITING_CLAIM_SQL } from './schema';

/**
 * Job owners in the SQLite store: the column (added to files from before it; their jobs keep a
 * NULL owner), the index of scoped listings and the claims of one owner's jobs.
 */
const OWNER_SCHEMA = `
CREATE INDEX IF NOT EXISTS jobs_by_owner ON jobs (owner, seq);
-- One owner's due jobs of a service in claim order; covering for pendingByOwner.
CREATE INDEX IF NOT EXISTS jobs_awaiting_claim_by_owner
  ON jobs (service, owner, priority DESC, seq, not_before, state, lease_owner)
  WHERE ${AWAITING_CLAIM_SQL};
`;

export function ensureOwnerSchema(db: Database.Database): void {
  const columns = db.prepare('PRAGMA table_info(jobs)').all() as { name: string }[];
  if (!columns.some((c) => c.name === 'owner')) {
    try {
      db.exec('ALTER TABLE jobs ADD COLUMN owner TEXT');
    } catch (error) {
      // The server and the scheduler open the file at once: the other one added it first.
      if (!/duplicate column/i.test(String((error as Error).message))) throw error;
    }
  }
  db.exec(OWNER_SCHEMA);
}

/** `owner = ?`, or `owner IS NULL` for jobs stored before owners; with its arguments. */
function ownerClause(owner: string | null): [clause: string, ...args: string[]] {
  return owner === null ? ['owner IS NULL'] : ['owner = ?', owner];
}

/** The listing's filter on an owner. */
export const listingOwnerClause = ownerClause;

/** claimPending for the jobs of one owner: the same claim, through the per-owner index. */
export function claimOwnerJobs(
  db: Database.Database,
  claim: { leaseOwner: string; leaseMs: number; limit: number; service?: string },
  jobOwner: string | null,
): Job[] {
  const now = Date.now();
  const [byOwner, ...ownerArgs] = ownerClause(jobOwner);
  const byService = claim.service === undefined ? '' : 'AND service = ?';
  const rows = db
    .prepare(
      `UPDATE jobs SET state = 'ACCEPTED', lease_owner = ?, lease_expires_at = ?,
         fencing_token = fencing_token + 1, attempt = attempt + 1, ${APPEND_HISTORY_SQL}
       WHERE seq IN (SELECT seq FROM jobs INDEXED BY jobs_awaiting_claim_by_owner
                     WHERE ${AWAITING_CLAIM_SQL} ${byService} AND ${byOwner}
                     AND (not_before IS NULL OR not_before <= ?)
                     ORDER BY priority DESC, seq LIMIT ?)
       RETURNING *`,
    )
    .all(
      ...[claim.leaseOwner, now + claim.leaseMs, ...historyArgs('ACCEPTED', now)],
      ...(claim.service === undefined ? [] : [claim.service]),
      ...ownerArgs,
      now,
      claim.limit,
    ) as JobRow[];
  rows.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
  return rows.map(rowToJob);
}

/** Due jobs of a service per owner: one range of the covering per-owner index. */
export function sqlitePendingByOwner(db: Database.Database, service: string): OwnerDue[] {
  return db
    .prepare(
      `SELECT owner, COUNT(*) AS due FROM jobs INDEXED BY jobs_awaiting_claim_by_owner
       WHERE ${AWAITING_CLAIM_SQL} AND service = ? AND (not_before IS NULL OR not_before <= ?)
       GROUP BY owner`,
    )
    .all(service, Date.now()) as OwnerDue[];
}

/** SQLite's limit on the SELECTs of one compound statement is 500; stay well below it. */
const OWNERS_PER_STATEMENT = 100;

/**
 * The claims of several owners in one statement per 100 owners: one limited range of the
 * per-owner index each (UNION ALL), so a hundred owners cost about what one owner's claim does.
 */
export function claimShares(
  db: Database.Database,
  claim: { leaseOwner: string; leaseMs: number; service: string },
  shares: OwnerDue[],
): Job[] {
  const jobs: Job[] = [];
  for (let i = 0; i < shares.length; i += OWNERS_PER_STATEMENT) {
    const chunk = shares.slice(i, i + OWNERS_PER_STATEMENT).filter((s) => s.due > 0);
    if (chunk.length === 0) continue;
    const now = Date.now();
    const ranges = chunk.map((share) => {
      const [byOwner, ...args] = ownerClause(share.owner);
      return {
        sql: `SELECT * FROM (SELECT seq FROM jobs INDEXED BY jobs_awaiting_claim_by_owner
               WHERE ${AWAITING_CLAIM_SQL} AND service = ? AND ${byOwner}
               AND (not_before IS NULL OR not_before <= ?) ORDER BY priority DESC, seq LIMIT ?)`,
        args: [claim.service, ...args, now, share.due],
      };
    });
    const rows = db
      .prepare(
        `UPDATE jobs SET state = 'ACCEPTED', lease_owner = ?, lease_expires_at = ?,
           fencing_token = fencing_token + 1, attempt = attempt + 1, ${APPEND_HISTORY_SQL}
         WHERE seq IN (${ranges.map((r) => r.sql).join(' UNION ALL ')})
         RETURNING *`,
      )
      .all(
        claim.leaseOwner,
        now + claim.leaseMs,
        ...historyArgs('ACCEPTED', now),
        ...ranges.flatMap((r) => r.args),
      ) as JobRow[];
    rows.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    jobs.push(...rows.map(rowToJob));
  }
  return jobs;
}
