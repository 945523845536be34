import { createHash } from 'node:crypto';
import { type Collection, type Db } from 'mongodb';
import type { Job, NewJob } from '../../jobs';
import type { IdempotencyRecord, OnceOutcome } from '../idempotency-records';
import type { Upload } from '../job-store';
import type { UploadDocument } from './job-document';
import { isDuplicateKey } from './document-keys';

/** A key that expires in the instant between a refused insert and its read is tried again. */
const MAX_ATTEMPTS = 5;

/**
 * A key's record carries the whole submission it stands for (its job and upload records). With no
 * transactions (FerretDB has none) the order is: upload records, then the key, then the job, and
 * whoever reads the key later (a retry, a concurrent duplicate) finishes recording the job if a
 * crash stopped the first writer. So a key never points at nothing, its job is inserted once, and
 * its files always have records (the orphan sweep never takes them).
 */
interface KeyDocument extends IdempotencyRecord {
  /** SHA-256 of scope and key: unique, bounded, and free of characters MongoDB treats specially. */
  _id: string;
  job: NewJob;
  uploads: UploadDocument[];
}

const documentId = (scope: string, key: string): string =>
  createHash('sha256').update(scope).update('\0').update(key).digest('hex');

const toRecord = (doc: KeyDocument): IdempotencyRecord => ({
  scope: doc.scope,
  key: doc.key,
  requestHash: doc.requestHash,
  jobId: doc.jobId,
  createdAt: doc.createdAt,
  expiresAt: doc.expiresAt,
});

export interface JobRecording {
  getJob(id: string): Promise<Job | null>;
  /** Inserts the job (and its claim-queue entry); throws a duplicate-key error when it exists. */
  insertJob(job: NewJob): Promise<Job>;
  uploads: Collection<UploadDocument>;
  uploadDocument(upload: Upload): UploadDocument;
}

export class MongoIdempotency {
  private readonly keys: Collection<KeyDocument>;

  constructor(
    db: Db,
    private readonly recording: JobRecording,
  ) {
    this.keys = db.collection<KeyDocument>('idempotency_keys');
  }

  async createIndexes(): Promise<void> {
    await this.keys.createIndex({ expiresAt: 1 }, { name: 'by_expiry' });
  }

  async insertJobOnce(
    record: IdempotencyRecord,
    job: NewJob,
    uploads: Upload[],
  ): Promise<OnceOutcome> {
    const _id = documentId(record.scope, record.key);
    const doc: KeyDocument = {
      _id,
      ...record,
      job,
      uploads: uploads.map((u) => this.recording.uploadDocument(u)),
    };
    const inserted: string[] = [];
    try {
      for (const upload of doc.uploads) {
        await this.recording.uploads.insertOne(upload);
        inserted.push(upload._id);
      }
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        await this.keys.deleteOne({ _id, expiresAt: { $lte: record.createdAt } });
        try {
          await this.keys.insertOne(doc);
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
          const holder = await this.keys.findOne({ _id, expiresAt: { $gt: record.createdAt } });
          if (!holder) continue;
          await this.finish(holder);
          // This submission's own uploads are nobody's: the caller removes their files.
          await this.forget(inserted);
          return { kind: 'existing', record: toRecord(holder) };
        }
        inserted.length = 0;
        return { kind: 'created', job: await this.finish(doc) };
      }
      throw new Error('idempotency key changed hands too often; retry');
    } catch (error) {
      await this.forget(inserted).catch(() => undefined);
      throw error;
    }
  }

  private async forget(uploadIds: string[]): Promise<void> {
    if (uploadIds.length) await this.recording.uploads.deleteMany({ _id: { $in: uploadIds } });
  }

  async find(scope: string, key: string, now: Date): Promise<IdempotencyRecord | null> {
    const doc = await this.keys.findOne({ _id: documentId(scope, key), expiresAt: { $gt: now } });
    if (!doc) return null;
    await this.finish(doc);
    return toRecord(doc);
  }

  /**
   * Forgets expired keys. A key whose job never landed (its writer died and no retry came) had its
   * uploads recorded before it, so upload retention removes their files in due course.
   */
  async deleteExpired(now: Date, limit: number): Promise<number> {
    const expired = await this.keys
      .find({ expiresAt: { $lte: now } }, { projection: { _id: 1 } })
      .sort({ expiresAt: 1 })
      .limit(limit)
      .toArray();
    if (expired.length === 0) return 0;
    const deleted = await this.keys.deleteMany({
      _id: { $in: expired.map((d) => d._id) },
      expiresAt: { $lte: now },
    });
    return deleted.deletedCount;
  }

  /** Records the key's uploads and job unless already there; safe to run by several at once. */
  private async finish(doc: KeyDocument): Promise<Job> {
    const existing = await this.recording.getJob(doc.jobId);
    if (existing) return existing;
    await this.recordUploads(doc);
    try {
      return await this.recording.insertJob(doc.job);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const job = await this.recording.getJob(doc.jobId);
      if (!job) throw error;
      return job;
    }
  }

  private async recordUploads(doc: KeyDocument): Promise<void> {
    for (const upload of doc.uploads) {
      try {
        await this.recording.uploads.insertOne(upload);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
  }
}
