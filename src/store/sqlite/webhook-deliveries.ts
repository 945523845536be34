import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { isFinished, type JobState } from '../../jobs';
import {
  MAX_DELIVERIES_LISTED,
  MAX_DELIVERY_ATTEMPTS_KEPT,
  type Delivery,
  type DeliveryAttempt,
  type DeliveryOutcome,
  type DeliveryState,
} from '../delivery-records';

interface DeliveryRow {
  id: string;
  job_id: string;
  url: string;
  event: string;
  created_at: number;
  state: string;
  body: string | null;
  next_attempt_at: number;
  attempts: string;
  attempt_count: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
}

const rowToDelivery = (row: DeliveryRow): Delivery => ({
  id: row.id,
  jobId: row.job_id,
  url: row.url,
  event: row.event as JobState,
  createdAt: new Date(row.created_at),
  state: row.state as DeliveryState,
  body: row.body,
  nextAttemptAt: new Date(row.next_attempt_at),
  attempts: (
    JSON.parse(row.attempts) as { at: number; statusCode: number | null; error: string | null }[]
  ).map((a): DeliveryAttempt => ({ at: new Date(a.at), statusCode: a.statusCode, error: a.error })),
  attemptCount: row.attempt_count,
  leaseOwner: row.lease_owner,
  leaseExpiresAt: row.lease_expires_at === null ? null : new Date(row.lease_expires_at),
});

/**
 * Records the delivery of a job's move to `to`, when the job has a callback that wants it and the
 * move will happen: `jobWhere` (with `jobArgs`) is the very condition of the transition's UPDATE,
 * which runs next in the same transaction, so the delivery exists exactly when the change does.
 */
export function recordDeliveryOfTransition(
  db: Database.Database,
  to: JobState,
  jobWhere: string,
  jobArgs: (string | number | null)[],
  nowMs: number,
): void {
  if (to === 'ACCEPTED') return;
  const wanted = isFinished(to) ? '' : "AND callback_events = 'all'";
  db.prepare(
    `INSERT INTO webhook_deliveries (id, job_id, url, event, created_at, state, next_attempt_at)
     SELECT ?, id, callback_url, ?, ?, 'pending', ? FROM jobs
     WHERE ${jobWhere} AND callback_url IS NOT NULL AND state <> ? ${wanted}`,
  ).run(randomUUID(), to, nowMs, nowMs, ...jobArgs, to);
}

/** Records the delivery of an event the caller has judged wanted (a cancel). */
export function recordDelivery(
  db: Database.Database,
  jobId: string,
  url: string,
  event: JobState,
  nowMs: number,
): void {
  db.prepare(
    `INSERT INTO webhook_deliveries (id, job_id, url, event, created_at, state, next_attempt_at)
     VALUES (?, ?, ?, ?, ?, 'pending', ?)`,
  ).run(randomUUID(), jobId, url, event, nowMs, nowMs);
}

export function claimDeliveries(
  db: Database.Database,
  owner: string,
  leaseMs: number,
  limit: number,
  nowMs: number,
): Delivery[] {
  const rows = db
    .prepare(
      `UPDATE webhook_deliveries SET lease_owner = ?, lease_expires_at = ?
       WHERE seq IN (SELECT seq FROM webhook_deliveries INDEXED BY deliveries_due
                     WHERE state = 'pending' AND next_attempt_at <= ?
                     AND (lease_expires_at IS NULL OR lease_expires_at <= ?)
                     ORDER BY next_attempt_at LIMIT ?)
       RETURNING *`,
    )
    .all(owner, nowMs + leaseMs, nowMs, nowMs, limit) as DeliveryRow[];
  return rows.map(rowToDelivery);
}

export function recordDeliveryOutcome(
  db: Database.Database,
  id: string,
  owner: string,
  outcome: DeliveryOutcome,
): boolean {
  const record = db.transaction((): boolean => {
    const row = db
      .prepare('SELECT attempts FROM webhook_deliveries WHERE id = ? AND lease_owner = ?')
      .get(id, owner) as { attempts: string } | undefined;
    if (!row) return false;
    const attempts = [
      ...(JSON.parse(row.attempts) as unknown[]),
      { ...outcome.attempt, at: outcome.attempt.at.getTime() },
    ].slice(-MAX_DELIVERY_ATTEMPTS_KEPT);
    db.prepare(
      `UPDATE webhook_deliveries SET state = ?, body = ?, next_attempt_at = ?, attempts = ?,
         attempt_count = attempt_count + 1, lease_owner = NULL, lease_expires_at = NULL
       WHERE id = ?`,
    ).run(
      outcome.state,
      outcome.body,
      outcome.nextAttemptAt.getTime(),
      JSON.stringify(attempts),
      id,
    );
    return true;
  });
  return record.immediate();
}

export function listDeliveries(db: Database.Database, jobId: string): Delivery[] {
  const rows = db
    .prepare(
      `SELECT * FROM webhook_deliveries INDEXED BY deliveries_by_job WHERE job_id = ?
       ORDER BY seq LIMIT ?`,
    )
    .all(jobId, MAX_DELIVERIES_LISTED) as DeliveryRow[];
  return rows.map(rowToDelivery);
}
