import type Database from 'better-sqlite3';
import type {
  RunnerHealth,
  ServiceHealth,
  ServiceRevision,
  ServiceStatusRecord,
} from '../job-store';

// Service revisions, service statuses and runner health: the scheduler's and the server's records
// about services, beside the jobs.

export function saveServiceRevision(db: Database.Database, revision: ServiceRevision): void {
  db.prepare(
    `INSERT INTO service_revisions (service, revision, file, definition, created_at)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT (service, revision) DO NOTHING`,
  ).run(revision.service, revision.revision, revision.file, revision.definition, Date.now());
}

export function getServiceRevision(
  db: Database.Database,
  service: string,
  revision: string,
): ServiceRevision | null {
  const row = db
    .prepare('SELECT * FROM service_revisions WHERE service = ? AND revision = ?')
    .get(service, revision) as ServiceRevision | undefined;
  return row
    ? { service: row.service, revision: row.revision, file: row.file, definition: row.definition }
    : null;
}

export function recordServiceStatus(db: Database.Database, record: ServiceStatusRecord): void {
  db.prepare(
    'INSERT INTO service_status (service, runner, status, message, recorded_at) VALUES (?, ?, ?, ?, ?)',
  ).run(record.service, record.runner, record.status, record.message, record.recordedAt.getTime());
}

export function currentServiceStatuses(db: Database.Database): ServiceStatusRecord[] {
  const rows = db
    .prepare(
      `SELECT s.service, s.runner, s.status, s.message, s.recorded_at FROM service_status s
       JOIN (SELECT MAX(seq) AS seq FROM service_status GROUP BY service, runner) latest
         ON latest.seq = s.seq
       ORDER BY s.service, s.runner`,
    )
    .all() as {
    service: string;
    runner: string;
    status: ServiceHealth;
    message: string;
    recorded_at: number;
  }[];
  return rows.map((r) => ({
    service: r.service,
    runner: r.runner,
    status: r.status,
    message: r.message,
    recordedAt: new Date(r.recorded_at),
  }));
}

export function saveRunnerHealth(db: Database.Database, health: RunnerHealth): void {
  db.prepare(
    `INSERT INTO runner_health (service, runner, state, consecutive_failures, retry_at, last_error, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (service, runner) DO UPDATE SET state = excluded.state,
         consecutive_failures = excluded.consecutive_failures, retry_at = excluded.retry_at,
         last_error = excluded.last_error, updated_at = excluded.updated_at`,
  ).run(
    health.service,
    health.runner,
    health.state,
    health.consecutiveFailures,
    health.retryAt?.getTime() ?? null,
    health.lastError,
    health.updatedAt.getTime(),
  );
}

export function listRunnerHealth(db: Database.Database, service?: string): RunnerHealth[] {
  const rows = db
    .prepare(
      `SELECT * FROM runner_health ${service === undefined ? '' : 'WHERE service = ?'}
       ORDER BY service, runner`,
    )
    .all(...(service === undefined ? [] : [service])) as {
    service: string;
    runner: string;
    state: RunnerHealth['state'];
    consecutive_failures: number;
    retry_at: number | null;
    last_error: string | null;
    updated_at: number;
  }[];
  return rows.map((r) => ({
    service: r.service,
    runner: r.runner,
    state: r.state,
    consecutiveFailures: r.consecutive_failures,
    retryAt: r.retry_at === null ? null : new Date(r.retry_at),
    lastError: r.last_error,
    updatedAt: new Date(r.updated_at),
  }));
}
