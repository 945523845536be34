import type Database from 'better-sqlite3';
import type { Job, JobHistoryEntry } from '../../jobs';
import type { PendingSummary } from '../job-store';
import { parseHistory } from './history-sql';
import { AWAITING_CLAIM_SQL } from './schema';

/**
 * Jobs of the same service a claim takes before `job`, counted up to `cap`: those due by the
 * time the job is (its not-before time, or now) with a higher priority, or the same priority
 * and submitted earlier, which is claimPending's order. One range of the covering partial index
 * jobs_awaiting_claim, read no further than `cap` entries.
 */
export function sqliteQueuePosition(
  db: Database.Database,
  job: Pick<Job, 'id' | 'service' | 'priority' | 'notBefore'>,
  nowMs: number,
  cap: number,
): number {
  const dueBy = Math.max(nowMs, job.notBefore?.getTime() ?? 0);
  const row = db
    .prepare(
      `SELECT COUNT(*) AS ahead FROM (SELECT 1 FROM jobs INDEXED BY jobs_awaiting_claim
         WHERE ${AWAITING_CLAIM_SQL} AND service = ?
         AND (not_before IS NULL OR not_before <= ?)
         AND (priority > ? OR (priority = ? AND seq < (SELECT seq FROM jobs WHERE id = ?)))
         LIMIT ?)`,
    )
    .get(job.service, dueBy, job.priority, job.priority, job.id, cap) as { ahead: number };
  return row.ahead;
}

/** The histories of the latest `window` jobs of a service, newest first (run-time estimates). */
export function sqliteRecentHistories(
  db: Database.Database,
  service: string,
  window: number,
): JobHistoryEntry[][] {
  const rows = db
    .prepare(
      `SELECT history FROM jobs INDEXED BY jobs_by_service
       WHERE service = ? ORDER BY seq DESC LIMIT ?`,
    )
    .all(service, window) as { history: string | null }[];
  return rows.map((row) => parseHistory(row.history));
}

/** Due jobs per service and the next not-before time ahead (the scheduler asks every tick). */
export function sqlitePendingSummary(db: Database.Database): PendingSummary {
  const now = Date.now();
  // One pass over a covering partial index. Named, because without statistics the planner
  // prefers an OR over other indexes that reads the rows.
  const rows = db
    .prepare(
      `SELECT service,
         SUM(CASE WHEN not_before IS NULL OR not_before <= ? THEN 1 ELSE 0 END) AS due,
         MIN(CASE WHEN not_before > ? THEN not_before END) AS next
       FROM jobs INDEXED BY jobs_awaiting_claim WHERE ${AWAITING_CLAIM_SQL}
       GROUP BY service ORDER BY service`,
    )
    .all(now, now) as { service: string; due: number; next: number | null }[];
  const next = rows.reduce<number | null>(
    (min, r) => (r.next !== null && (min === null || r.next < min) ? r.next : min),
    null,
  );
  return {
    services: rows.filter((r) => r.due > 0).map((r) => ({ service: r.service, due: r.due })),
    nextDueAt: next === null ? null : new Date(next),
  };
}
