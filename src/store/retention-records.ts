import type { Job, NewJob } from '../jobs';

/** Which finished jobs a retention pass deletes: those completed before `cutoff`. */
export interface ExpiryRule {
  cutoff: Date;
  /** Only this service's jobs (a per-service retention). */
  service?: string;
  /** Every service but these (the global retention, minus services with their own). */
  exceptServices?: string[];
}

/** What is left of an expired job: enough to answer 410 Gone, for a bounded time. */
export interface Tombstone {
  id: string;
  service: string;
  expiredAt: Date;
  /** After this the tombstone itself is removed and the id answers 404. */
  forgetAt: Date;
}

/**
 * The result cache and expiry tombstones: records kept with the jobs, in both stores. None of this
 * is on the ordinary job path: a cache lookup only happens for a service that opted in.
 */
export interface RetentionRecords {
  /**
   * The newest job with this cache key that COMPLETED at or after `completedSince` and is itself
   * an original (never a cache hit). An indexed lookup.
   */
  findCachedResult(cacheKey: string, completedSince: Date): Promise<Job | null>;
  /**
   * Records `job`, COMPLETED at once, answering with `original`'s results (cachedFrom, its runner
   * and exit code). It never reaches the claim queue.
   */
  insertCacheHit(original: Job, job: NewJob): Promise<Job>;
  /**
   * Deletes up to `limit` finished jobs the rule selects, oldest first, together with the cache
   * hits that point at them (a hit expires with its original), and leaves a tombstone for each,
   * to be forgotten at `forgetAt`. Returns every deleted job so the caller removes its directory.
   */
  expireFinished(rule: ExpiryRule, forgetAt: Date, limit: number): Promise<Job[]>;
  getTombstone(id: string): Promise<Tombstone | null>;
  /** Removes tombstones whose time is up; returns how many. */
  forgetTombstones(now: Date): Promise<number>;
}
