import path from 'node:path';
import Database from 'better-sqlite3';
import {
  createPrivateFile,
  makePrivateDirectory,
  tightenFileMode,
} from '../../lifecycle/private-paths';
import {
  FINISHED_STATES,
  initialState,
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
  OwnerDue,
  PendingSummary,
  RunnerHealth,
  TransitionPatch,
  TransitionRequest,
  Upload,
  UsageRow,
} from '../job-store';
import type { Delivery, DeliveryOutcome } from '../delivery-records';
import { APPEND_HISTORY_SQL, firstHistory, historyArgs } from './history-sql';
import { sqlitePendingSummary, sqliteQueuePosition, sqliteRecentHistories } from './queue-queries';
import { rowToJob, type JobRow } from './row-mapping';
import { placeholders } from './placeholders';
import { SqliteRetentionRecords } from './sqlite-retention-records';
import { SqliteAdminRecords } from './sqlite-admin-records';
import { SqliteAccessRecords } from './sqlite-access-records';
import { SqlitePipelineRecords } from './sqlite-pipeline-records';
import { SqliteOperationsRecords } from './sqlite-operations-records';
import { StatementCachingDatabase } from './statement-cache';
import { listingStatesClause } from './state-indexes';
import { requestCancelRow, transitionRow } from './sqlite-transitions';
import { deleteUnusedUploads, getUploadRow, insertUploadRow } from './sqlite-upload-records';
import {
  currentServiceStatuses,
  getServiceRevision,
  listRunnerHealth,
  recordServiceStatus,
  saveRunnerHealth,
  saveServiceRevision,
} from './sqlite-service-records';
import { claimDeliveries, listDeliveries, recordDeliveryOutcome } from './webhook-deliveries';
import { ACTIVE_SQL, AWAITING_CLAIM_SQL, SQLITE_ADDED_COLUMNS, SQLITE_SCHEMA } from './schema';
import type { IdempotencyRecord, OnceOutcome } from '../idempotency-records';
import * as keys from './sqlite-idempotency';
import * as owners from './sqlite-owners';

/** Cursors are opaque to clients; inside they are the last row's sequence number. */
const encodeCursor = (seq: number): string => Buffer.from(String(seq)).toString('base64url');
const decodeCursor = (cursor: string): number =>
  Number(Buffer.from(cursor, 'base64url').toString()) || 0;

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
  readonly admin: SqliteAdminRecords;
  readonly tokens: SqliteAccessRecords;
  readonly rateCounters: SqliteAccessRecords;
  readonly pipelines: SqlitePipelineRecords;
  readonly operations: SqliteOperationsRecords;

  constructor(file: string) {
    if (file !== ':memory:') {
      makePrivateDirectory(path.dirname(file));
      // Every job id and upload path is in here: 0600 before SQLite opens it, and SQLite gives
      // its -wal and -shm files the database file's mode.
      createPrivateFile(file);
      tightenFileMode(file);
    }
    this.db = new StatementCachingDatabase(file);
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
    this.admin = new SqliteAdminRecords(this.db);
    this.tokens = this.rateCounters = new SqliteAccessRecords(this.db);
    this.pipelines = new SqlitePipelineRecords(this.db);
    owners.ensureOwnerSchema(this.db);
    this.operations = new SqliteOperationsRecords(this.db);
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
        `INSERT INTO jobs (id, service, inputs, parameters, state, submitted_at, work_dir, priority, not_before, service_revision, history, callback_url, callback_events, cache_key, rerun_of, owner)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
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
        job.owner ?? null,
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
    if (filter.owner !== undefined) add(...owners.listingOwnerClause(filter.owner));
    if (filter.states?.length) add(...listingStatesClause(filter.states));
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
    jobOwner?: string | null,
  ): Promise<Job[]> {
    if (jobOwner !== undefined)
      return owners.claimOwnerJobs(
        this.db,
        { leaseOwner: owner, leaseMs, limit, service },
        jobOwner,
      );
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
    return sqlitePendingSummary(this.db);
  }

  async pendingByOwner(service: string) {
    return owners.sqlitePendingByOwner(this.db, service);
  }

  async claimShares(owner: string, leaseMs: number, service: string, shares: OwnerDue[]) {
    return owners.claimShares(this.db, { leaseOwner: owner, leaseMs, service }, shares);
  }

  async listActive(limit: number): Promise<Job[]> {
    const rows = this.db
      // Named so delayed jobs (QUEUED, no owner) are never read; the planner picks a state index.
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
    return this.db.transaction(() => transitionRow(this.db, { id, to, fencingToken, patch }))();
  }

  async transitionMany(changes: TransitionRequest[]): Promise<(Job | null)[]> {
    return this.db.transaction(() => changes.map((c) => transitionRow(this.db, c))).immediate();
  }

  async requestCancel(id: string): Promise<CancelOutcome> {
    return this.db.transaction(() => requestCancelRow(this.db, id)).immediate();
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
    insertUploadRow(this.db, upload);
  }

  async getUpload(id: string): Promise<Upload | null> {
    return getUploadRow(this.db, id);
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
    return deleteUnusedUploads(this.db, cutoff, limit);
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
