import type Database from 'better-sqlite3';
import {
  CANCELLED_BEFORE_START,
  cancelDecision,
  isFinished,
  isStaleWrite,
  isWebhookEvent,
  statesAcceptingWrite,
  type Job,
} from '../../jobs';
import type { CancelOutcome, TransitionRequest } from '../job-store';
import { APPEND_HISTORY_SQL, historyArgs } from './history-sql';
import { placeholders } from './placeholders';
import { rowToJob, type JobRow } from './row-mapping';
import { recordDelivery, recordDeliveryOfTransition } from './webhook-deliveries';

/**
 * One transition, judged against the transition table and the fencing token in its UPDATE's
 * WHERE; the history entry and any webhook delivery go with it. Null: refused (a stale or
 * illegal write, counted when stale).
 */
export function transitionRow(
  db: Database.Database,
  { id, to, fencingToken, patch = {} }: TransitionRequest,
): Job | null {
  const from = statesAcceptingWrite(to);
  const sets: string[] = [];
  const args: (string | number | null)[] = [];
  const set = (clause: string, value: string | number | null): void => {
    sets.push(clause);
    args.push(value);
  };
  set('state = ?', to);
  const now = Date.now();
  sets.push(APPEND_HISTORY_SQL);
  args.push(...historyArgs(to, now));
  if (isFinished(to)) {
    set('completed_at = ?', now);
    sets.push('lease_owner = NULL', 'lease_expires_at = NULL');
  }
  if (patch.runner !== undefined) set('runner = ?', patch.runner);
  if (patch.externalId !== undefined) set('external_id = ?', patch.externalId);
  if (patch.exitCode !== undefined) set('exit_code = ?', patch.exitCode);
  if (patch.reason !== undefined) set('reason = ?', patch.reason);
  if (patch.leaseMs !== undefined) set('lease_expires_at = ?', Date.now() + patch.leaseMs);
  if (patch.lost) sets.push('lost_attempts = lost_attempts + 1');
  if (to === 'PENDING') sets.push('lease_owner = NULL', 'lease_expires_at = NULL');
  let where = `id = ? AND state IN (${placeholders(from.length)})`;
  const whereArgs: (string | number)[] = [id, ...from];
  if (fencingToken !== null) {
    where += ' AND fencing_token = ?';
    whereArgs.push(fencingToken);
  }
  recordDeliveryOfTransition(db, to, where, whereArgs, now);
  const row = db
    .prepare(`UPDATE jobs SET ${sets.join(', ')} WHERE ${where} RETURNING *`)
    .get(...args, ...whereArgs) as JobRow | undefined;
  if (row) return rowToJob(row);
  if (fencingToken !== null) countIfStale(db, id, fencingToken);
  return null;
}

function countIfStale(db: Database.Database, id: string, fencingToken: number): void {
  const current = db
    .prepare('SELECT fencing_token AS fencingToken FROM jobs WHERE id = ?')
    .get(id) as { fencingToken: number } | undefined;
  if (isStaleWrite(current, fencingToken)) {
    db.prepare(
      `INSERT INTO counters (name, value) VALUES ('stale_writes', 1)
         ON CONFLICT (name) DO UPDATE SET value = value + 1`,
    ).run();
  }
}

/** A cancel request's whole decision and write; the caller runs it in a write transaction. */
export function requestCancelRow(db: Database.Database, id: string): CancelOutcome {
  const now = Date.now();
  const row = db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
  if (!row) return { kind: 'not_found' };
  const job = rowToJob(row);
  const decision = cancelDecision(job);
  if (decision === null) return { kind: 'finished', job };
  // Never started (a delayed job never even reached an agent): nothing to stop.
  if (decision === 'DELETED') {
    if (job.callback) recordDelivery(db, id, job.callback.url, 'DELETED', now);
    const updated = db
      .prepare(
        `UPDATE jobs SET ${APPEND_HISTORY_SQL}, state = 'DELETED', completed_at = ?,
             cancel_requested = 1, reason = '${CANCELLED_BEFORE_START}',
             lease_owner = NULL, lease_expires_at = NULL WHERE id = ? RETURNING *`,
      )
      .get(...historyArgs('DELETED', now), now, id) as JobRow;
    return { kind: 'deleted', job: rowToJob(updated) };
  }
  if (isWebhookEvent(job.callback, job.state, 'CANCELLING'))
    recordDelivery(db, id, job.callback!.url, 'CANCELLING', now);
  const updated = db
    .prepare(
      `UPDATE jobs SET ${APPEND_HISTORY_SQL}, state = 'CANCELLING', cancel_requested = 1
         WHERE id = ? RETURNING *`,
    )
    .get(...historyArgs('CANCELLING', now), id) as JobRow;
  return { kind: 'cancelling', job: rowToJob(updated) };
}
