import type Database from 'better-sqlite3';
import type { IdempotencyRecord, OnceOutcome } from '../idempotency-records';
import type { Job } from '../../jobs';

/** One row per live key; the primary key is what lets exactly one submission take a key. */
export const IDEMPOTENCY_SCHEMA = `
CREATE TABLE IF NOT EXISTS idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  job_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_by_expiry ON idempotency_keys (expires_at);
`;

interface KeyRow {
  scope: string;
  key: string;
  request_hash: string;
  job_id: string;
  created_at: number;
  expires_at: number;
}

const rowToRecord = (row: KeyRow): IdempotencyRecord => ({
  scope: row.scope,
  key: row.key,
  requestHash: row.request_hash,
  jobId: row.job_id,
  createdAt: new Date(row.created_at),
  expiresAt: new Date(row.expires_at),
});

/** Thrown inside a submission's transaction when a live record holds its key: nothing is kept. */
export class IdempotencyKeyTaken extends Error {
  constructor() {
    super('idempotency key taken');
  }
}

/**
 * Takes the key inside the transaction that inserts the submission's job and uploads, so the key
 * and its job are committed together or not at all. An expired record gives its key up.
 */
export function claimIdempotencyKey(db: Database.Database, record: IdempotencyRecord): void {
  const now = record.createdAt.getTime();
  db.prepare('DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND expires_at <= ?').run(
    record.scope,
    record.key,
    now,
  );
  const taken = db
    .prepare(
      `INSERT INTO idempotency_keys (scope, key, request_hash, job_id, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (scope, key) DO NOTHING`,
    )
    .run(
      record.scope,
      record.key,
      record.requestHash,
      record.jobId,
      now,
      record.expiresAt.getTime(),
    );
  if (taken.changes === 0) throw new IdempotencyKeyTaken();
}

export function findIdempotencyKey(
  db: Database.Database,
  scope: string,
  key: string,
  now: Date,
): IdempotencyRecord | null {
  const row = db
    .prepare('SELECT * FROM idempotency_keys WHERE scope = ? AND key = ? AND expires_at > ?')
    .get(scope, key, now.getTime()) as KeyRow | undefined;
  return row ? rowToRecord(row) : null;
}

export function deleteExpiredIdempotencyKeys(
  db: Database.Database,
  now: Date,
  limit: number,
): number {
  return db
    .prepare(
      `DELETE FROM idempotency_keys WHERE rowid IN
         (SELECT rowid FROM idempotency_keys WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`,
    )
    .run(now.getTime(), limit).changes;
}

/**
 * The outcome of a queued submission that claimed `record`'s key: its job, or, when another
 * submission holds the key, that submission's record (committed with its job, so never dangling).
 */
export async function onceOutcome(
  db: Database.Database,
  record: IdempotencyRecord,
  inserted: Promise<Job>,
): Promise<OnceOutcome> {
  try {
    return { kind: 'created', job: await inserted };
  } catch (error) {
    if (!(error instanceof IdempotencyKeyTaken)) throw error;
    const holder = findIdempotencyKey(db, record.scope, record.key, record.createdAt);
    // The holder expired in the instant between the two reads: the caller may simply retry.
    if (!holder) throw new Error('idempotency key changed hands; retry', { cause: error });
    return { kind: 'existing', record: holder };
  }
}
