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
  lost_attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, priority DESC, seq);
CREATE INDEX IF NOT EXISTS jobs_by_service ON jobs (service, seq);
CREATE INDEX IF NOT EXISTS jobs_pending_by_service ON jobs (state, service, not_before);
CREATE INDEX IF NOT EXISTS jobs_by_submission ON jobs (submitted_at);
CREATE INDEX IF NOT EXISTS jobs_by_completion ON jobs (completed_at) WHERE completed_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS uploads (
  id TEXT PRIMARY KEY,
  path TEXT NOT NULL,
  media_type TEXT,
  title TEXT,
  created_at INTEGER NOT NULL
);
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
];
