import { ACTIVE_STATES } from '../../jobs';
import { STATE_INDEXES_SQL } from './state-indexes';

/**
 * Rows a claim may take: PENDING, or delayed (QUEUED with no owner; see src/jobs/job.ts). A query
 * must repeat this text exactly for SQLite to use the partial index built on it.
 */
export const AWAITING_CLAIM_SQL =
  "(state = 'PENDING' OR (state = 'QUEUED' AND lease_owner IS NULL))";

/** Rows the scheduler drives (claimed and not finished): never a delayed job. */
export const ACTIVE_SQL = `(state IN (${ACTIVE_STATES.map((state) => `'${state}'`).join(', ')})
  AND (state <> 'QUEUED' OR lease_owner IS NOT NULL))`;

/** Times are integer milliseconds since the epoch; JSON columns hold the inputs. */
export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  service TEXT NOT NULL,
  inputs TEXT NOT NULL,
  parameters TEXT NOT NULL,
  state TEXT NOT NULL,
  submitted_at INTEGER NOT NULL,
  completed_at INTEGER,
  runner TEXT,
  work_dir TEXT NOT NULL,
  external_id TEXT,
  attempt INTEGER NOT NULL DEFAULT 0,
  fencing_token INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_expires_at INTEGER,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  exit_code INTEGER,
  reason TEXT,
  priority INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER,
  service_revision TEXT,
  lost_attempts INTEGER NOT NULL DEFAULT 0,
  history TEXT NOT NULL DEFAULT '[]',
  callback_url TEXT,
  callback_events TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_service ON jobs (service, seq);
-- The indexes led by state (listing by state, counts by service and state): state-indexes.ts.
${STATE_INDEXES_SQL}
DROP INDEX IF EXISTS jobs_pending_by_service;
-- Claims by service in claim order; state and lease_owner make it covering for pendingSummary.
CREATE INDEX IF NOT EXISTS jobs_awaiting_claim
  ON jobs (service, priority DESC, seq, not_before, state, lease_owner) WHERE ${AWAITING_CLAIM_SQL};
CREATE INDEX IF NOT EXISTS jobs_active ON jobs (seq) WHERE ${ACTIVE_SQL};
CREATE INDEX IF NOT EXISTS jobs_by_submission ON jobs (submitted_at);
CREATE INDEX IF NOT EXISTS jobs_by_completion ON jobs (completed_at) WHERE completed_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS uploads (
  id TEXT PRIMARY KEY,
  path TEXT NOT NULL,
  media_type TEXT,
  title TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS uploads_by_creation ON uploads (created_at);
CREATE TABLE IF NOT EXISTS service_revisions (
  service TEXT NOT NULL,
  revision TEXT NOT NULL,
  file TEXT NOT NULL,
  definition TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (service, revision)
);
CREATE TABLE IF NOT EXISTS service_status (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  service TEXT NOT NULL,
  runner TEXT NOT NULL,
  status TEXT NOT NULL,
  message TEXT NOT NULL,
  recorded_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS service_status_current ON service_status (service, runner, seq);
CREATE TABLE IF NOT EXISTS runner_health (
  service TEXT NOT NULL,
  runner TEXT NOT NULL,
  state TEXT NOT NULL,
  consecutive_failures INTEGER NOT NULL,
  retry_at INTEGER,
  last_error TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (service, runner)
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  job_id TEXT NOT NULL,
  url TEXT NOT NULL,
  event TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  body TEXT,
  next_attempt_at INTEGER NOT NULL,
  attempts TEXT NOT NULL DEFAULT '[]',
  attempt_count INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_expires_at INTEGER
);
CREATE INDEX IF NOT EXISTS deliveries_due ON webhook_deliveries (next_attempt_at)
  WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS deliveries_by_job ON webhook_deliveries (job_id, seq);
-- A job removed (retention) takes its deliveries with it, whoever deletes it.
CREATE TRIGGER IF NOT EXISTS jobs_forget_deliveries AFTER DELETE ON jobs BEGIN
  DELETE FROM webhook_deliveries WHERE job_id = old.id;
END;
CREATE TABLE IF NOT EXISTS counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
`;

/** Columns added after the first release, for files created before them. */
export const SQLITE_ADDED_COLUMNS: ReadonlyArray<
  readonly [table: string, column: string, type: string]
> = [
  ['jobs', 'service_revision', 'TEXT'],
  ['jobs', 'lost_attempts', 'INTEGER NOT NULL DEFAULT 0'],
  ['jobs', 'history', "TEXT NOT NULL DEFAULT '[]'"],
  ['jobs', 'callback_url', 'TEXT'],
  ['jobs', 'callback_events', 'TEXT'],
  ['jobs', 'rerun_of', 'TEXT'],
];
