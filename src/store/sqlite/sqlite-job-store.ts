import path from 'node:path';
import Database from 'better-sqlite3';
import {
  createPrivateFile,
  makePrivateDirectory,
  tightenFileMode,
} from '../../lifecycle/private-paths';
import {
  FINISHED_STATES,
  type Job,
  type JobHistoryEntry,
  type JobState,
  type NewJob,
} from '../../jobs';
import type {
  CancelOutcome,
  ClaimPendingArgs,
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
import { APPEND_HISTORY_SQL, historyArgs } from './history-sql';
import { insertJobRow, SubmissionBatches } from './sqlite-submissions';
import { listJobRows } from './sqlite-job-listing';
import { sqlitePendingSummary, sqliteQueuePosition, sqliteRecentHistories } from './queue-queries';
import { rowToJob, type JobRow } from './row-mapping';
import { placeholders } from './placeholders';
import { SqliteRetentionRecords } from './sqlite-retention-records';
import { SqliteAdminRecords } from './sqlite-admin-records';
import { SqliteAccessRecords } from './sqlite-access-records';
import { SqlitePipelineRecords } from './sqlite-pipeline-records';
import { SqliteOperationsRecords } from './sqlite-operations-records';
import { StatementCachingDatabase } from './statement-cache';
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

/** The embedded store: one SQLite file in WAL mode, shared by the processes of one machine. */
export class SqliteJobStore implements JobStore {
  private readonly db: Database.Database;
  private readonly submissions: SubmissionBatches;
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
    this.submissions = new SubmissionBatches(this.db);
  }

  async insertJob(job: NewJob): Promise<Job> {
    return insertJobRow(this.db, job);
  }

  /** Batched with the submissions of the same turn of the event loop (SubmissionBatches). */
  insertJobWithUploads(job: NewJob, uploads: Upload[], once?: IdempotencyRecord): Promise<Job> {
    return this.submissions.submit(job, uploads, once);
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

  async getJob(id: string): Promise<Job | null> {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? rowToJob(row) : null;
  }

  async listJobs(filter: JobFilter): Promise<JobPage> {
    return listJobRows(this.db, filter);
  }

  async claimPending(
    ...[owner, leaseMs, limit, service, jobOwner]: ClaimPendingArgs
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
    this.submissions.commit();
    this.db.close();
  }
}
