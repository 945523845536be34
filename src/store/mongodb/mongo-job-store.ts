import { MongoClient, ObjectId, type Collection, type Db } from 'mongodb';
import { isFinished, type Job, type JobHistoryEntry, type JobState, type NewJob } from '../../jobs';
import type {
  CancelOutcome,
  ClaimPendingArgs,
  JobFilter,
  JobPage,
  JobStore,
  OwnerDue,
  PendingSummary,
  RunnerHealth,
  ServiceRevision,
  ServiceStatusRecord,
  TransitionPatch,
  TransitionRequest,
  Upload,
  UsageRow,
} from '../job-store';
import type { Delivery, DeliveryOutcome } from '../delivery-records';
import { JOB_INDEXES, UPLOAD_INDEXES } from './indexes';
import { createEachIndex } from './indexes-once';
import {
  documentToJob,
  documentToUpload,
  newJobDocument,
  uploadDocument,
  type JobDocument,
  type StaleWriteDocument,
  type UploadDocument,
} from './job-document';
import { ClaimQueue, type QueueEntry } from './claim-queue';
import { JobClaims } from './job-claims';
import { MongoTransitions, transitionEach } from './mongo-transitions';
import { WebhookDeliveries } from './webhook-deliveries';
import { JobInserts } from './job-inserts';
import { JobWriter, type WriteTicket } from './job-writer';
import { mongoQueuePosition, mongoRecentHistories } from './queue-queries';
import { MongoRetentionRecords } from './mongo-retention-records';
import { MongoAdminRecords } from './mongo-admin-records';
import { MongoAccessRecords } from './mongo-access-records';
import { MongoPipelineRecords } from './mongo-pipeline-records';
import { MongoOperationsRecords } from './mongo-operations-records';
import { ServiceRecords } from './service-records';
import { translateError } from './store-errors';
import type { IdempotencyRecord, OnceOutcome } from '../idempotency-records';
import { MongoIdempotency } from './mongo-idempotency';
import { ACTIVE_JOBS, deleteUnusedUploads, listJobPage, usageStatistics } from './mongo-queries';

/** An unreachable server fails a request within this time, so clients get a quick 503. */
const SERVER_SELECTION_TIMEOUT_MS = 2000;

export interface MongoStoreOptions {
  url: string;
  database: string;
}

/**
 * The shared store: MongoDB (or any server speaking its wire protocol, e.g. FerretDB). Every state
 * change is one conditional write on one document, so it needs neither transactions nor change
 * streams. Lease times come from the database's clock ($currentDate); a fresh fencing token is an
 * $inc in the same write.
 */
export class MongoJobStore implements JobStore {
  private client!: MongoClient;
  private db!: Db;
  private jobs!: Collection<JobDocument>;
  private uploads!: Collection<UploadDocument>;
  private staleWrites!: Collection<StaleWriteDocument>;
  private queue!: ClaimQueue;
  private writer!: JobWriter;
  private services!: ServiceRecords;
  private claims!: JobClaims;
  private inserts!: JobInserts;
  private transitions!: MongoTransitions;
  private deliveries!: WebhookDeliveries;
  private idempotency!: MongoIdempotency;
  private setup: Promise<void> | null = null;
  readonly retention = new MongoRetentionRecords(
    () => this.db,
    (operation) => this.run(operation),
  );
  readonly admin = new MongoAdminRecords(
    () => this.db,
    (operation) => this.run(operation),
  );
  readonly tokens = new MongoAccessRecords(
    () => this.db,
    (operation) => this.run(operation),
  );
  readonly rateCounters = this.tokens;
  readonly pipelines = new MongoPipelineRecords(
    () => ({ db: this.db, jobs: this.jobs, queue: this.queue, writer: this.writer }),
    (operation) => this.run(operation),
  );
  readonly operations = new MongoOperationsRecords(
    () => this.db,
    (operation) => this.run(operation),
  );

  constructor(private readonly options: MongoStoreOptions) {
    this.open();
  }

  /** A fresh client and the collections bound to it. */
  private open(): void {
    try {
      this.client = new MongoClient(this.options.url, {
        serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
        connectTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
        appName: 'damson',
      });
    } catch (error) {
      throw translateError(error);
    }
    this.db = this.client.db(this.options.database);
    this.jobs = this.db.collection<JobDocument>('jobs');
    this.uploads = this.db.collection<UploadDocument>('uploads');
    this.staleWrites = this.db.collection<StaleWriteDocument>('stale_writes');
    this.queue = new ClaimQueue(this.db.collection<QueueEntry>('claim_queue'));
    this.services = new ServiceRecords(this.db);
    this.writer = new JobWriter(this.jobs, this.db.collection<WriteTicket>('job_writes'));
    this.claims = new JobClaims(this.queue, this.writer);
    this.inserts = new JobInserts(this.jobs, this.queue);
    this.deliveries = new WebhookDeliveries(this.db);
    this.transitions = new MongoTransitions(
      this.writer,
      this.queue,
      this.deliveries,
      this.staleWrites,
    );
    this.idempotency = new MongoIdempotency(this.db, {
      getJob: async (id) => {
        const doc = await this.jobs.findOne({ _id: id });
        return doc ? documentToJob(doc) : null;
      },
      insertJob: (job) => this.insertJobNow(job),
      uploads: this.uploads,
      uploadDocument,
    });
  }

  /**
   * Connects and creates the indexes once; a failure (server down) is retried by the next
   * operation. A client whose first connection failed stays closed for good, so it is replaced;
   * once connected, the driver itself rides out later outages.
   */
  private ready(): Promise<void> {
    this.setup ??= (async () => {
      try {
        await this.client.connect();
      } catch (error) {
        await this.client.close().catch(() => undefined);
        this.open();
        throw error;
      }
      await createEachIndex(this.jobs, JOB_INDEXES);
      await createEachIndex(this.uploads, UPLOAD_INDEXES);
      await this.queue.createIndexes();
      await this.deliveries.createIndexes();
      await this.idempotency.createIndexes();
    })().catch((error: unknown) => {
      this.setup = null;
      throw error;
    });
    return this.setup;
  }

  /** Runs one store operation with driver errors translated (503 when the server is away). */
  private async run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      await this.ready();
      return await operation();
    } catch (error) {
      throw translateError(error);
    }
  }

  insertJob(job: NewJob): Promise<Job> {
    return this.run(() => this.insertJobNow(job));
  }

  /**
   * Without transactions (FerretDB has none): the uploads are recorded first and removed again
   * when the job cannot be, so a failure leaves no upload record behind. Only records this call
   * inserted are removed; an id that was already taken stays with its owner.
   */
  insertJobWithUploads(job: NewJob, uploads: Upload[]): Promise<Job> {
    return this.run(async () => {
      const inserted: string[] = [];
      try {
        for (const upload of uploads) {
          await this.uploads.insertOne(uploadDocument(upload));
          inserted.push(upload.id);
        }
        return await this.insertJobNow(job);
      } catch (error) {
        if (inserted.length) {
          await this.uploads.deleteMany({ _id: { $in: inserted } }).catch(() => undefined);
        }
        throw error;
      }
    });
  }

  insertJobOnce(record: IdempotencyRecord, job: NewJob, uploads: Upload[]): Promise<OnceOutcome> {
    return this.run(() => this.idempotency.insertJobOnce(record, job, uploads));
  }

  findIdempotencyKey(scope: string, key: string, now: Date): Promise<IdempotencyRecord | null> {
    return this.run(() => this.idempotency.find(scope, key, now));
  }

  deleteExpiredIdempotencyKeys(now: Date, limit: number): Promise<number> {
    return this.run(() => this.idempotency.deleteExpired(now, limit));
  }

  private async insertJobNow(job: NewJob): Promise<Job> {
    const doc = newJobDocument(job, new Date(), new ObjectId());
    await this.inserts.insert(doc);
    return documentToJob(doc);
  }

  getJob(id: string): Promise<Job | null> {
    return this.run(async () => {
      const doc = await this.jobs.findOne({ _id: id });
      return doc ? documentToJob(doc) : null;
    });
  }

  listJobs(filter: JobFilter): Promise<JobPage> {
    return this.run(() => listJobPage(this.jobs, filter));
  }

  claimPending(...claim: ClaimPendingArgs): Promise<Job[]> {
    return this.run(() => this.claims.claim(...claim));
  }

  claimShares(owner: string, leaseMs: number, service: string, shares: OwnerDue[]) {
    return this.run(() => this.claims.claimShares(owner, leaseMs, service, shares));
  }

  pendingByOwner(service: string): Promise<OwnerDue[]> {
    return this.run(() => this.queue.pendingByOwner(service, Date.now()));
  }

  pendingSummary(): Promise<PendingSummary> {
    return this.run(() => this.queue.summary(Date.now()));
  }

  listActive(limit: number): Promise<Job[]> {
    return this.run(async () => {
      const docs = await this.jobs
        .find(ACTIVE_JOBS)
        .sort({ submittedAt: 1, order: 1 })
        .limit(limit)
        .toArray();
      return docs.map(documentToJob);
    });
  }

  transition(
    id: string,
    to: JobState,
    fencingToken: number | null,
    patch: TransitionPatch = {},
  ): Promise<Job | null> {
    return this.run(() => this.transitions.transition(id, to, fencingToken, patch));
  }

  transitionMany(changes: TransitionRequest[]): Promise<(Job | null)[]> {
    return transitionEach(changes, ({ id, to, fencingToken, patch }) =>
      this.transition(id, to, fencingToken, patch),
    );
  }

  requestCancel(id: string): Promise<CancelOutcome> {
    return this.run(() => this.transitions.requestCancel(id));
  }

  staleWriteCount(): Promise<number> {
    return this.run(async () => {
      return this.staleWrites.countDocuments({});
    });
  }

  insertUpload(upload: Upload): Promise<void> {
    return this.run(async () => {
      await this.uploads.insertOne(uploadDocument(upload));
    });
  }

  getUpload(id: string): Promise<Upload | null> {
    return this.run(async () => {
      const doc = await this.uploads.findOne({ _id: id });
      return doc ? documentToUpload(doc) : null;
    });
  }

  usageStats(): Promise<UsageRow[]> {
    return this.run(() => usageStatistics(this.jobs));
  }

  deleteFinishedBefore(cutoff: Date, limit: number): Promise<Job[]> {
    return this.run(async () => {
      const docs = await this.jobs
        .find({ completedAt: { $ne: null, $lt: cutoff } })
        .sort({ completedAt: 1 })
        .limit(limit)
        .toArray();
      const finished = docs.filter((doc) => isFinished(doc.state));
      if (finished.length === 0) return [];
      // Finished jobs never change again, so what was read is what gets deleted.
      await this.jobs.deleteMany({ _id: { $in: finished.map((doc) => doc._id) } });
      await this.writer.forget(finished);
      await this.deliveries.forget(finished.map((doc) => doc._id));
      return finished.map(documentToJob);
    });
  }

  deleteUnusedUploadsBefore(cutoff: Date, limit: number): Promise<Upload[]> {
    return this.run(() => deleteUnusedUploads(this.jobs, this.uploads, cutoff, limit));
  }

  saveServiceRevision(revision: ServiceRevision): Promise<void> {
    return this.run(() => this.services.saveRevision(revision));
  }

  getServiceRevision(service: string, revision: string): Promise<ServiceRevision | null> {
    return this.run(() => this.services.getRevision(service, revision));
  }

  recordServiceStatus(record: ServiceStatusRecord): Promise<void> {
    return this.run(() => this.services.recordStatus(record));
  }

  currentServiceStatuses(): Promise<ServiceStatusRecord[]> {
    return this.run(() => this.services.currentStatuses());
  }

  saveRunnerHealth(health: RunnerHealth): Promise<void> {
    return this.run(() => this.services.saveRunnerHealth(health));
  }

  listRunnerHealth(service?: string): Promise<RunnerHealth[]> {
    return this.run(() => this.services.listRunnerHealth(service));
  }

  queuePosition(job: Job, cap: number): Promise<number> {
    return this.run(() => mongoQueuePosition(this.db, job, Date.now(), cap));
  }

  recentHistories(service: string, window: number): Promise<JobHistoryEntry[][]> {
    return this.run(() => mongoRecentHistories(this.db, service, window));
  }

  claimDeliveries(owner: string, leaseMs: number, limit: number): Promise<Delivery[]> {
    return this.run(() => this.deliveries.claim(owner, leaseMs, limit));
  }

  recordDelivery(id: string, owner: string, outcome: DeliveryOutcome): Promise<boolean> {
    return this.run(() => this.deliveries.record(id, owner, outcome));
  }

  listDeliveries(jobId: string): Promise<Delivery[]> {
    return this.run(() => this.deliveries.list(jobId));
  }

  ping(): Promise<void> {
    return this.run(async () => {
      await this.db.command({ ping: 1 });
    });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
