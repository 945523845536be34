import path from 'node:path';
import Database from 'better-sqlite3';
import {
  createPrivateFile,
  makePrivateDirectory,
  tightenFileMode,
} from '../../lifecycle/private-paths';
import {
  CANCELLED_BEFORE_START,
  FINISHED_STATES,
  initialState,
  isDelayed,
  isFinished,
  isWebhookEvent,
  statesAllowing,
  type Job,
  type JobHistoryEntry,
  type JobState,
  type NewJob,
} from '../../jobs';
import type {
  CancelOutcome,
  JobFilter,
  JobPage,
  JobStore,
  ServiceRevision,
  ServiceStatusRecord,
  PendingSummary,
  RunnerHealth,
  TransitionPatch,
  TransitionRequest,
  Upload,
  UsageRow,
} from '../job-store';
import type { Delivery, DeliveryOutcome } from '../delivery-records';
import { inputValues, UNFINISHED_STATES } from '../upload-references';
import { APPEND_HISTORY_SQL, firstHistory, historyArgs } from './history-sql';
import { sqliteQueuePosition, sqliteRecentHistories } from './queue-queries';
import { rowToJob, rowToUpload, type JobRow, type UploadRow } from './row-mapping';
import { SqliteRetentionRecords } from './sqlite-retention-records';
import {
  currentServiceStatuses,
  getServiceRevision,
  listRunnerHealth,
  recordServiceStatus,
  saveRunnerHealth,
  saveServiceRevision,
} from './sqlite-service-records';
import {
  claimDeliveries,
  listDeliveries,
  recordDelivery,
  recordDeliveryOfTransition,
  recordDeliveryOutcome,
} from './webhook-deliveries';
import { ACTIVE_SQL, AWAITING_CLAIM_SQL, SQLITE_ADDED_COLUMNS, SQLITE_SCHEMA } from './schema';
import type { IdempotencyRecord, OnceOutcome } from '../idempotency-records';
import * as keys from './sqlite-idempotency';

/** Cursors are opaque to clients; inside they are the last row's sequence number. */
const encodeCursor = (seq: number): string => Buffer.from(String(seq)).toString('base64url');
const decodeCursor = (cursor: string): number =>
  Number(Buffer.from(cursor, 'base64url').toString()) || 0;
const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(',');

/**
 * Compiling a statement costs more than running a primary-key lookup, so each SQL text is
 * prepared once and reused (bounded, since some statements are built per call).
 */
function cacheStatements(db: Database.Database, max = 256): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      if (cache.size >= max) cache.clear();
      statement = prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  }) as typeof db.prepare;
}

interface QueuedSubmission {
  job: NewJob;
  uploads: Upload[];
  /** The idempotency key taken in the same transaction, if any. */
  once?: IdempotencyRecord;
  resolve(job: Job): void;
  reject(error: unknown): void;
}

/** The embedded store: one SQLite file in WAL mode, shared by the processes of one machine. */
export class SqliteJobStore implements JobStore {
  private readonly db: Database.Database;
  private readonly queuedSubmissions: QueuedSubmission[] = [];
  readonly retention: SqliteRetentionRecords;

  constructor(file: string) {
    if (file !== ':memory:') {
      makePrivateDirectory(path.dirname(file));
      // Every job id and upload path is in here: 0600 before SQLite opens it, and SQLite gives
      // its -wal and -shm files the database file's mode.
      createPrivateFile(file);
      tightenFileMode(file);
    }
    this.db = new Database(file);
    cacheStatements(this.db);
    this.db.pragma('journal_mode = WAL');
    if (file !== ':memory:') for (const extra of ['-wal', '-shm']) tightenFileMode(file + extra);
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('cache_size = -65536');
    this.db.exec(SQLITE_SCHEMA);
    this.db.exec(keys.IDEMPOTENCY_SCHEMA);
    for (const [table, column, type] of SQLITE_ADDED_COLUMNS) {
      const columns = this.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
      if (!columns.some((c) => c.name === column)) {
        this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
      }
    }
    this.retention = new SqliteRetentionRecords(this.db);
  }

  async insertJob(job: NewJob): Promise<Job> {
    return this.insertJobNow(job);
  }

  /**
   * Submissions arriving in the same turn of the event loop are committed together: most of a
   * commit's cost is writing the index pages it touched, and rows inserted together share them.
   * Each submission still stands alone (a savepoint), so one failing leaves the others in place.
   */
  insertJobWithUploads(job: NewJob, uploads: Upload[], once?: IdempotencyRecord): Promise<Job> {
    return new Promise((resolve, reject) => {
      const queued = this.queuedSubmissions.push({ job, uploads, once, resolve, reject });
      if (queued === 1) setImmediate(() => this.commitSubmissions());
    });
  }

  private commitSubmissions(): void {
    const batch = this.queuedSubmissions.splice(0);
    if (batch.length === 0) return;
    const outcomes: ({ job: Job } | { error: unknown })[] = [];
    try {
      this.submitAll(batch, outcomes);
    } catch (error) {
      // The commit itself failed: nothing of the batch was recorded.
      for (const s of batch) s.reject(error);
      return;
    }
    batch.forEach((s, i) => {
      const outcome = outcomes[i];
      if ('job' in outcome) s.resolve(outcome.job);
      else s.reject(outcome.error);
    });
  }

  private submitAll(batch: QueuedSubmission[], outcomes: ({ job: Job } | { error: unknown })[]) {
    const submitOne = this.db.transaction((s: QueuedSubmission): Job => {
      if (s.once) keys.claimIdempotencyKey(this.db, s.once);
      for (const upload of s.uploads) this.insertUploadNow(upload);
      return this.insertJobNow(s.job);
    });
    this.db
      .transaction(() => {
        for (const s of batch) {
          try {
            outcomes.push({ job: submitOne(s) });
          } catch (error) {
            outcomes.push({ error });
          }
        }
      })
      .immediate();
  }

  insertJobOnce(record: IdempotencyRecord, job: NewJob, uploads: Upload[]): Promise<OnceOutcome> {
    return keys.onceOutcome(this.db, record, this.insertJobWithUploads(job, uploads, record));
  }

  async findIdempotencyKey(scope: string, key: string, now: Date) {
    return keys.findIdempotencyKey(this.db, scope, key, now);
  }

  async deleteExpiredIdempotencyKeys(now: Date, limit: number) {
    return keys.deleteExpiredIdempotencyKeys(this.db, now, limit);
  }

  private insertJobNow(job: NewJob): Job {
    const now = Date.now();
    const row = this.db
      .prepare(
        `INSERT INTO jobs (id, service, inputs, parameters, state, submitted_at, work_dir, priority, not_before, service_revision, history, callback_url, callback_events, cache_key, rerun_of)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      )
      .get(
        job.id,
        job.service,
        JSON.stringify(job.inputs),
        JSON.stringify(job.parameters),
        initialState(job.notBefore, now),
        now,
        job.workDir,
        job.priority ?? 0,
        job.notBefore?.getTime() ?? null,
        job.serviceRevision ?? null,
        firstHistory(initialState(job.notBefore, now), now),
        job.callback?.url ?? null,
        job.callback?.events ?? null,
        job.cacheKey ?? null,
        job.rerunOf ?? null,
      ) as JobRow;
    return rowToJob(row);
  }

  async getJob(id: string): Promise<Job | null> {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? rowToJob(row) : null;
  }

  async listJobs(filter: JobFilter): Promise<JobPage> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (clause: string, ...values: (string | number)[]): void => {
      where.push(clause);
      args.push(...values);
    };
    if (filter.service) add('service = ?', filter.service);
    if (filter.states?.length) {
      add(`state IN (${placeholders(filter.states.length)})`, ...filter.states);
    }
    if (filter.submittedSince) add('submitted_at >= ?', filter.submittedSince.getTime());
    if (filter.submittedBefore) add('submitted_at < ?', filter.submittedBefore.getTime());
    if (filter.cursor) add('seq < ?', decodeCursor(filter.cursor));
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, filter.limit + 1) as JobRow[];
    const page = rows.slice(0, filter.limit);
    const more = rows.length > filter.limit;
    const last = page[page.length - 1];
    return {
      jobs: page.map(rowToJob),
      nextCursor: more && last ? encodeCursor(last.seq) : null,
    };
  }

  async claimPending(
    owner: string,
    leaseMs: number,
    limit: number,
    service?: string,
  ): Promise<Job[]> {
    const now = Date.now();
    const byService = service === undefined ? '' : 'AND service = ?';
    const rows = this.db
      .prepare(
        `UPDATE jobs SET state = 'ACCEPTED', lease_owner = ?, lease_expires_at = ?,
           fencing_token = fencing_token + 1, attempt = attempt + 1, ${APPEND_HISTORY_SQL}
         WHERE seq IN (SELECT seq FROM jobs INDEXED BY jobs_awaiting_claim
                       WHERE ${AWAITING_CLAIM_SQL} ${byService}
                       AND (not_before IS NULL OR not_before <= ?)
                       ORDER BY priority DESC, seq LIMIT ?)
         RETURNING *`,
      )
      .all(
        ...[owner, now + leaseMs, ...historyArgs('ACCEPTED', now)],
        ...[...(service === undefined ? [] : [service]), now, limit],
      ) as JobRow[];
    rows.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    return rows.map(rowToJob);
  }

  async pendingSummary(): Promise<PendingSummary> {
    const now = Date.now();
    // One pass over a covering partial index: the scheduler asks on every tick. Named, because
    // without statistics the planner prefers an OR over jobs_by_state that reads every row.
    const rows = this.db
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

  async listActive(limit: number): Promise<Job[]> {
    const rows = this.db
      // Named so delayed jobs (QUEUED, no owner) are never read; the planner picks jobs_by_state.
      .prepare(`SELECT * FROM jobs INDEXED BY jobs_active WHERE ${ACTIVE_SQL} ORDER BY seq LIMIT ?`)
      .all(limit) as JobRow[];
    return rows.map(rowToJob);
  }

  async transition(
    id: string,
    to: JobState,
    fencingToken: number | null,
    patch: TransitionPatch = {},
  ): Promise<Job | null> {
    // A transaction: a webhook delivery is recorded with the change it reports.
    return this.db.transaction(() => this.transitionNow({ id, to, fencingToken, patch }))();
  }

  async transitionMany(changes: TransitionRequest[]): Promise<(Job | null)[]> {
    return this.db.transaction(() => changes.map((c) => this.transitionNow(c))).immediate();
  }

  private transitionNow({ id, to, fencingToken, patch = {} }: TransitionRequest): Job | null {
    const from = isFinished(to) ? statesAllowing(to) : [...statesAllowing(to), to];
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
    recordDeliveryOfTransition(this.db, to, where, whereArgs, now);
    const row = this.db
      .prepare(`UPDATE jobs SET ${sets.join(', ')} WHERE ${where} RETURNING *`)
      .get(...args, ...whereArgs) as JobRow | undefined;
    if (row) return rowToJob(row);
    if (fencingToken !== null) this.countIfStale(id, fencingToken);
    return null;
  }

  private countIfStale(id: string, fencingToken: number): void {
    const current = this.db.prepare('SELECT fencing_token FROM jobs WHERE id = ?').get(id) as
      { fencing_token: number } | undefined;
    if (current && current.fencing_token !== fencingToken) {
      this.db
        .prepare(
          `INSERT INTO counters (name, value) VALUES ('stale_writes', 1)
           ON CONFLICT (name) DO UPDATE SET value = value + 1`,
        )
        .run();
    }
  }

  async requestCancel(id: string): Promise<CancelOutcome> {
    const now = Date.now();
    const cancel = this.db.transaction((): CancelOutcome => {
      const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
      if (!row) return { kind: 'not_found' };
      const job = rowToJob(row);
      if (isFinished(job.state)) return { kind: 'finished', job };
      // Never started (a delayed job never even reached an agent): nothing to stop.
      if (job.state === 'PENDING' || job.state === 'ACCEPTED' || isDelayed(job)) {
        if (job.callback) recordDelivery(this.db, id, job.callback.url, 'DELETED', now);
        const updated = this.db
          .prepare(
            `UPDATE jobs SET ${APPEND_HISTORY_SQL}, state = 'DELETED', completed_at = ?,
               cancel_requested = 1, reason = '${CANCELLED_BEFORE_START}',
               lease_owner = NULL, lease_expires_at = NULL WHERE id = ? RETURNING *`,
          )
          .get(...historyArgs('DELETED', now), now, id) as JobRow;
        return { kind: 'deleted', job: rowToJob(updated) };
      }
      if (isWebhookEvent(job.callback, job.state, 'CANCELLING'))
        recordDelivery(this.db, id, job.callback!.url, 'CANCELLING', now);
      const updated = this.db
        .prepare(
          `UPDATE jobs SET ${APPEND_HISTORY_SQL}, state = 'CANCELLING', cancel_requested = 1
           WHERE id = ? RETURNING *`,
        )
        .get(...historyArgs('CANCELLING', now), id) as JobRow;
      return { kind: 'cancelling', job: rowToJob(updated) };
    });
    return cancel.immediate();
  }

  async staleWriteCount(): Promise<number> {
    const row = this.db.prepare(`SELECT value FROM counters WHERE name = 'stale_writes'`).get() as
      { value: number } | undefined;
    return row?.value ?? 0;
  }

  async insertUpload(upload: Upload): Promise<void> {
    this.insertUploadNow(upload);
  }

  private insertUploadNow(upload: Upload): void {
    this.db
      .prepare(
        'INSERT INTO uploads (id, path, media_type, title, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(upload.id, upload.path, upload.mediaType, upload.title, upload.createdAt.getTime());
  }

  async getUpload(id: string): Promise<Upload | null> {
    const row = this.db.prepare('SELECT * FROM uploads WHERE id = ?').get(id) as
      UploadRow | undefined;
    return row ? rowToUpload(row) : null;
  }

  async usageStats(): Promise<UsageRow[]> {
    return this.db
      .prepare(
        `SELECT strftime('%Y-%m', submitted_at / 1000, 'unixepoch') AS month, service, COUNT(*) AS count
         FROM jobs GROUP BY month, service ORDER BY month, service`,
      )
      .all() as UsageRow[];
  }

  async saveServiceRevision(revision: ServiceRevision): Promise<void> {
    saveServiceRevision(this.db, revision);
  }

  async getServiceRevision(service: string, revision: string): Promise<ServiceRevision | null> {
    return getServiceRevision(this.db, service, revision);
  }

  async recordServiceStatus(record: ServiceStatusRecord): Promise<void> {
    recordServiceStatus(this.db, record);
  }

  async currentServiceStatuses(): Promise<ServiceStatusRecord[]> {
    return currentServiceStatuses(this.db);
  }

  async saveRunnerHealth(health: RunnerHealth): Promise<void> {
    saveRunnerHealth(this.db, health);
  }

  async listRunnerHealth(service?: string): Promise<RunnerHealth[]> {
    return listRunnerHealth(this.db, service);
  }

  async deleteFinishedBefore(cutoff: Date, limit: number): Promise<Job[]> {
    const finished = [...FINISHED_STATES];
    const rows = this.db
      .prepare(
        `DELETE FROM jobs WHERE seq IN (SELECT seq FROM jobs WHERE completed_at < ?
           AND state IN (${placeholders(finished.length)}) ORDER BY completed_at LIMIT ?)
         RETURNING *`,
      )
      .all(cutoff.getTime(), ...finished, limit) as JobRow[];
    return rows.map(rowToJob);
  }

  async deleteUnusedUploadsBefore(cutoff: Date, limit: number): Promise<Upload[]> {
    const live = UNFINISHED_STATES;
    // One write transaction: no job can be recorded between reading what is in use and the delete.
    const expire = this.db.transaction((): UploadRow[] => {
      const inUse = new Set<string>();
      const rows = this.db
        .prepare(`SELECT inputs FROM jobs WHERE state IN (${placeholders(live.length)})`)
        .all(...live) as { inputs: string }[];
      for (const row of rows)
        for (const value of inputValues(JSON.parse(row.inputs))) inUse.add(value);
      return this.db
        .prepare(
          `DELETE FROM uploads WHERE id IN (SELECT id FROM uploads WHERE created_at < ?
             AND path NOT IN (SELECT value FROM json_each(?)) ORDER BY created_at LIMIT ?)
           RETURNING *`,
        )
        .all(cutoff.getTime(), JSON.stringify([...inUse]), limit) as UploadRow[];
    });
    return expire
      .immediate()
      .map(rowToUpload)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  async queuePosition(job: Job, cap: number): Promise<number> {
    return sqliteQueuePosition(this.db, job, Date.now(), cap);
  }

  async recentHistories(service: string, window: number): Promise<JobHistoryEntry[][]> {
    return sqliteRecentHistories(this.db, service, window);
  }

  async claimDeliveries(owner: string, leaseMs: number, limit: number): Promise<Delivery[]> {
    return claimDeliveries(this.db, owner, leaseMs, limit, Date.now());
  }

  async recordDelivery(id: string, owner: string, outcome: DeliveryOutcome): Promise<boolean> {
    return recordDeliveryOutcome(this.db, id, owner, outcome);
  }

  async listDeliveries(jobId: string): Promise<Delivery[]> {
    return listDeliveries(this.db, jobId);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.commitSubmissions();
    this.db.close();
  }
}
