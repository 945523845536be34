import type { Job, JobHistoryEntry, JobInputs, JobState, NewJob } from '../jobs';
import type { AdminRecords } from './admin-records';
import type { RateCounters, TokenRecords } from './access-records';
import type { DeliveryStore } from './delivery-records';
import type { IdempotencyRecord, OnceOutcome } from './idempotency-records';
import type { PipelineRecords } from './pipeline-records';
import type { OperationsRecords } from './operations-records';
import type { RetentionRecords } from './retention-records';

export interface JobFilter {
  service?: string;
  states?: JobState[];
  submittedSince?: Date;
  /** Only jobs submitted strictly before this time. */
  submittedBefore?: Date;
  /** Only this owner's jobs (null: jobs stored before owners existed). */
  owner?: string | null;
  /** Opaque cursor from a previous page. */
  cursor?: string;
  limit: number;
}

export interface JobPage {
  jobs: Job[];
  nextCursor: string | null;
}

/** Fields a state transition may set besides the state. */
export interface TransitionPatch {
  runner?: string;
  externalId?: string | null;
  exitCode?: number | null;
  reason?: string | null;
  /** Keep the lease alive while the job is with an agent. */
  leaseMs?: number;
  /** This attempt was lost to infrastructure: count it (retries are bounded by the count). */
  lost?: boolean;
}

export interface TransitionRequest {
  id: string;
  to: JobState;
  fencingToken: number | null;
  patch?: TransitionPatch;
}

/** Due jobs awaiting a claim per service, and when the earliest delayed one becomes due. */
export interface PendingSummary {
  services: { service: string; due: number }[];
  nextDueAt: Date | null;
}

/** Due jobs of one service awaiting a claim, per owner (null: jobs stored before owners). */
export interface OwnerDue {
  owner: string | null;
  due: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/** A runner's circuit breaker as the scheduler last saw it (shown in service status). */
export interface RunnerHealth {
  service: string;
  runner: string;
  state: BreakerState;
  consecutiveFailures: number;
  /** When an open breaker lets the next probe through. */
  retryAt: Date | null;
  lastError: string | null;
  updatedAt: Date;
}

export interface Upload {
  id: string;
  path: string;
  mediaType: string | null;
  title: string | null;
  createdAt: Date;
}

export interface UsageRow {
  month: string;
  service: string;
  count: number;
}

/** A service definition as a job was submitted with it (JSON text of the file after includes). */
export interface ServiceRevision {
  service: string;
  revision: string;
  file: string;
  definition: string;
}

export type ServiceHealth = 'OK' | 'WARNING' | 'DOWN';

/** One outcome of a service health test (slivka's `servicestate`). */
export interface ServiceStatusRecord {
  service: string;
  runner: string;
  status: ServiceHealth;
  message: string;
  recordedAt: Date;
}

export type CancelOutcome =
  | { kind: 'not_found' }
  | { kind: 'finished'; job: Job }
  | { kind: 'deleted'; job: Job }
  | { kind: 'cancelling'; job: Job };

/** Jobs as the server sees them: submitted (with their uploads, once per idempotency key), read, listed, cancelled, and forgotten by retention. */
export interface JobRecords {
  /**
   * Stores a new job: PENDING, or delayed (QUEUED with no owner) when its not-before time is
   * still ahead.
   */
  insertJob(job: NewJob): Promise<Job>;
  /**
   * Records the files uploaded with a submission and its job atomically: all of them or none
   * (a failure leaves no upload record behind). With no uploads it is insertJob.
   */
  insertJobWithUploads(job: NewJob, uploads: Upload[]): Promise<Job>;
  /**
   * Records a submission under an idempotency key: the key, the uploads and the job all together,
   * or, when a live record holds the key already, nothing (its record is returned). A key whose
   * record has expired is taken over. A crash never leaves a key without its job.
   */
  insertJobOnce(record: IdempotencyRecord, job: NewJob, uploads: Upload[]): Promise<OnceOutcome>;
  /** The live (unexpired at `now`) record of a key, its job recorded; null when there is none. */
  findIdempotencyKey(scope: string, key: string, now: Date): Promise<IdempotencyRecord | null>;
  /** Forgets up to `limit` keys expired at `now`; returns how many. */
  deleteExpiredIdempotencyKeys(now: Date, limit: number): Promise<number>;
  getJob(id: string): Promise<Job | null>;
  listJobs(filter: JobFilter): Promise<JobPage>;
  /**
   * PENDING, ACCEPTED and delayed jobs become DELETED at once (and are never claimed after);
   * claimed QUEUED, RUNNING and UNKNOWN ones become CANCELLING.
   */
  requestCancel(id: string): Promise<CancelOutcome>;
  /**
   * How many jobs of the same service a claim would take before `job` (priority, then not-before
   * time, then submission order), counted up to `cap`; an estimate, read from an index.
   */
  queuePosition(job: Job, cap: number): Promise<number>;
  /** The histories of the latest `window` jobs of a service, newest first. */
  recentHistories(service: string, window: number): Promise<JobHistoryEntry[][]>;
  /**
   * Retention: deletes up to `limit` finished jobs completed before `cutoff`, oldest first, and
   * returns them so the caller can remove their work directories.
   */
  deleteFinishedBefore(cutoff: Date, limit: number): Promise<Job[]>;
}

/** claimPending's arguments, for the implementations that pass them on. */
export type ClaimPendingArgs = Parameters<ClaimQueue['claimPending']>;

/** The scheduler's side: due jobs claimed under a lease and fencing token, and every state write after. Each write is conditional on the transition table (finished states absorb) and on the fencing token. */
export interface ClaimQueue {
  /**
   * Atomically takes up to `limit` due jobs awaiting a claim (PENDING, or delayed whose not-before
   * time has come): state ACCEPTED, owner, lease deadline, a fresh fencing token and attempt + 1.
   * With `jobOwner` (a job owner, not the lease owner), only that owner's jobs (null: jobs
   * stored without one), in the same order.
   */
  claimPending(
    owner: string,
    leaseMs: number,
    limit: number,
    service?: string,
    jobOwner?: string | null,
  ): Promise<Job[]>;
  /** Due jobs of `service` awaiting a claim, per job owner (fair shares between owners). */
  pendingByOwner(service: string): Promise<OwnerDue[]>;
  /**
   * claimPending for several owners of one service at once: up to `due` jobs of each `owner`
   * (as claimPending with that job owner would take them), in one round trip where it can.
   */
  claimShares(owner: string, leaseMs: number, service: string, shares: OwnerDue[]): Promise<Job[]>;
  /**
   * What claimPending could take now, per service, and the next not-before time after now (of a
   * delayed job).
   */
  pendingSummary(): Promise<PendingSummary>;
  /**
   * Jobs the scheduler must still drive: ACCEPTED, QUEUED, RUNNING, UNKNOWN, CANCELLING; never a
   * delayed job (QUEUED with no owner), which no agent holds yet.
   */
  listActive(limit: number): Promise<Job[]>;
  /**
   * Moves a job to `to` if the table allows it from its current state and, when `fencingToken` is
   * given, the token is still current. Returns the updated job, or null when refused.
   */
  transition(
    id: string,
    to: JobState,
    fencingToken: number | null,
    patch?: TransitionPatch,
  ): Promise<Job | null>;
  /** Several transitions in one atomic batch (each judged as `transition` would); results in order. */
  transitionMany(changes: TransitionRequest[]): Promise<(Job | null)[]>;
  /** How many writes were refused for a stale fencing token (an operator metric). */
  staleWriteCount(): Promise<number>;
}

/** Files uploaded for later submissions, and their expiry. */
export interface UploadRecords {
  insertUpload(upload: Upload): Promise<void>;
  getUpload(id: string): Promise<Upload | null>;
  /**
   * Upload expiry: deletes the records of up to `limit` uploads created before `cutoff` that no
   * unfinished job uses (its inputs name the upload's path), oldest first, and returns them so
   * the caller can remove their files.
   */
  deleteUnusedUploadsBefore(cutoff: Date, limit: number): Promise<Upload[]>;
}

/** Service definitions kept by revision, and the health of services and runners. */
export interface ServiceRecordStore {
  /** Keeps a definition jobs refer to by revision; saving the same revision again does nothing. */
  saveServiceRevision(revision: ServiceRevision): Promise<void>;
  getServiceRevision(service: string, revision: string): Promise<ServiceRevision | null>;
  recordServiceStatus(record: ServiceStatusRecord): Promise<void>;
  /** The latest record per (service, runner). */
  currentServiceStatuses(): Promise<ServiceStatusRecord[]>;
  /** Upserts by (service, runner). */
  saveRunnerHealth(health: RunnerHealth): Promise<void>;
  listRunnerHealth(service?: string): Promise<RunnerHealth[]>;
}

/** Usage counts for the statistics page. */
export interface StoreStatistics {
  usageStats(): Promise<UsageRow[]>;
}

/** The connection itself. */
export interface StoreConnection {
  /** Cheap liveness probe. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The job store: every part above, and the record groups beside them. Callers take the narrowest
 * part they need (a function that reads jobs takes `JobRecords`), so what each depends on shows
 * in its signature; the contract suites in test/contract cover each part on both stores.
 */
export interface JobStore
  extends
    JobRecords,
    ClaimQueue,
    UploadRecords,
    ServiceRecordStore,
    StoreStatistics,
    StoreConnection,
    DeliveryStore {
  /** The result cache and expiry tombstones (src/store/retention-records.ts). */
  readonly retention: RetentionRecords;
  /** Pauses, drains and the agents the scheduler publishes (src/store/admin-records.ts). */
  readonly admin: AdminRecords;
  /** API tokens made with `damson tokens` (src/store/access-records.ts). */
  readonly tokens: TokenRecords;
  /** Rate-limit counters shared by every server. */
  readonly rateCounters: RateCounters;
  /** Pipelines and the release of their steps (src/store/pipeline-records.ts). */
  readonly pipelines: PipelineRecords;
  /** Job counts and heartbeats for operators (src/store/operations-records.ts). */
  readonly operations: OperationsRecords;
}

export type { JobInputs, IdempotencyRecord, OnceOutcome };
