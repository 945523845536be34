import { ObjectId, type Db, type Filter, type IndexDescription } from 'mongodb';
import { FINISHED_STATES, type Job, type NewJob } from '../../jobs';
import type { ExpiryRule, RetentionRecords, Tombstone } from '../retention-records';
import { documentToJob, newJobDocument, type JobDocument } from './job-document';
import { JobWriter, type WriteTicket } from './job-writer';
import { createEachIndex, runWithIndexes, type StoreRun } from './indexes-once';
import { isDuplicateKey } from './document-keys';

interface TombstoneDocument {
  _id: string;
  service: string;
  expiredAt: Date;
  forgetAt: Date;
}

/** Only originals of services that opted in carry a cacheKey; hits carry cachedFrom. */
export const RETENTION_JOB_INDEXES: IndexDescription[] = [
  { name: 'by_cache_key', key: { cacheKey: 1, completedAt: -1 } },
  { name: 'by_cached_from', key: { cachedFrom: 1 } },
];
const TOMBSTONE_INDEXES: IndexDescription[] = [{ name: 'by_forget', key: { forgetAt: 1 } }];

/** How many keyed originals a lookup reads at most: the newest first, the first COMPLETED wins. */
const LOOKUP_WINDOW = 20;

/**
 * The result cache and tombstones on MongoDB (or FerretDB: no transactions, so every step is
 * ordered to fail safe). `run` is the store's own wrapper (connects, translates driver errors).
 */
export class MongoRetentionRecords implements RetentionRecords {
  /** Its own indexes, once (see runWithIndexes). */
  private readonly withIndexes: StoreRun;

  constructor(
    private readonly db: () => Db,
    run: StoreRun,
  ) {
    this.withIndexes = runWithIndexes(run, async () => {
      await createEachIndex(this.jobs, RETENTION_JOB_INDEXES);
      await createEachIndex(this.tombstones, TOMBSTONE_INDEXES);
    });
  }

  private get jobs() {
    return this.db().collection<JobDocument>('jobs');
  }

  private get tombstones() {
    return this.db().collection<TombstoneDocument>('tombstones');
  }

  findCachedResult(cacheKey: string, completedSince: Date): Promise<Job | null> {
    return this.withIndexes(async () => {
      const docs = await this.jobs
        .find({ cacheKey, completedAt: { $gte: completedSince } })
        .sort({ completedAt: -1 })
        .limit(LOOKUP_WINDOW)
        .toArray();
      const original = docs.find((doc) => doc.state === 'COMPLETED' && !doc.cachedFrom);
      return original ? documentToJob(original) : null;
    });
  }

  insertCacheHit(original: Job, job: NewJob): Promise<Job> {
    return this.withIndexes(async () => {
      const now = new Date();
      // Its own directory (never created): files resolve through cachedFrom.
      const fresh = newJobDocument({ ...job, cacheKey: null }, now, new ObjectId());
      // Never in the claim queue, so never claimed: it is finished from its insert on.
      const doc: JobDocument = {
        ...fresh,
        state: 'COMPLETED',
        completedAt: now,
        runner: original.runner,
        exitCode: original.exitCode,
        cachedFrom: original.id,
        history: [{ state: 'COMPLETED', at: now }],
      };
      await this.jobs.insertOne(doc);
      return documentToJob(doc);
    });
  }

  expireFinished(rule: ExpiryRule, forgetAt: Date, limit: number): Promise<Job[]> {
    return this.withIndexes(async () => {
      const filter: Filter<JobDocument> = {
        completedAt: { $ne: null, $lt: rule.cutoff },
        // A hit goes with its original (below), never on its own before it.
        cachedFrom: { $exists: false },
      };
      if (rule.service !== undefined) filter.service = rule.service;
      else if (rule.exceptServices?.length) filter.service = { $nin: rule.exceptServices };
      const docs = await this.jobs.find(filter).sort({ completedAt: 1 }).limit(limit).toArray();
      const originals = docs.filter((doc) => FINISHED_STATES.has(doc.state));
      if (originals.length === 0) return [];
      const ids = originals.map((doc) => doc._id);
      const hits = await this.jobs.find({ cachedFrom: { $in: ids } }).toArray();
      const gone = [...originals, ...hits];
      // Tombstones first: a job with a tombstone is still found by id until it is deleted, and a
      // crash after this step leaves only an early tombstone, never a deleted job without one.
      await this.recordTombstones(gone, forgetAt);
      // Hits before their originals: a crash in between leaves originals, which the next sweep
      // takes; never a hit whose original is gone and that no rule would select.
      if (hits.length) await this.jobs.deleteMany({ _id: { $in: hits.map((doc) => doc._id) } });
      await this.jobs.deleteMany({ _id: { $in: ids } });
      // Finished jobs never change again, so what was read is what gets deleted.
      const tickets = this.db().collection<WriteTicket>('job_writes');
      await new JobWriter(this.jobs, tickets).forget(originals);
      return gone.map(documentToJob);
    });
  }

  private async recordTombstones(docs: JobDocument[], forgetAt: Date): Promise<void> {
    const expiredAt = new Date();
    try {
      await this.tombstones.insertMany(
        docs.map((doc) => ({ _id: doc._id, service: doc.service, expiredAt, forgetAt })),
        { ordered: false },
      );
    } catch (error) {
      // An earlier sweep that stopped half-way already left some of them.
      if (!isDuplicateKey(error)) throw error;
    }
  }

  getTombstone(id: string): Promise<Tombstone | null> {
    return this.withIndexes(async () => {
      const doc = await this.tombstones.findOne({ _id: id });
      return doc
        ? { id: doc._id, service: doc.service, expiredAt: doc.expiredAt, forgetAt: doc.forgetAt }
        : null;
    });
  }

  forgetTombstones(now: Date): Promise<number> {
    return this.withIndexes(async () => {
      const result = await this.tombstones.deleteMany({ forgetAt: { $lte: now } });
      return result.deletedCount;
    });
  }
}
