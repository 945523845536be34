import { jobExpiresAt } from '../config/retention-policy';
import type { Job } from '../jobs';
import type { AppContext } from './app-context';
import { HttpError, notFound } from './http-error';
import { wireTimestamp } from './timestamp';

/**
 * When a job will be deleted. A cache hit expires with the job it answers from (its files are
 * that job's), so its expiry is that job's; a hit whose original is already gone has expired.
 */
export async function expiryOf(ctx: AppContext, job: Job): Promise<Date | null> {
  if (!job.cachedFrom) return jobExpiresAt(ctx.settings.retention, job);
  const original = await ctx.store.getJob(job.cachedFrom);
  if (original) return jobExpiresAt(ctx.settings.retention, original);
  return (await ctx.store.retention.getTombstone(job.cachedFrom))?.expiredAt ?? new Date();
}

/** 410 Gone, saying when: the answer for a job (or its files) deleted by retention. */
export function goneError(id: string, expiredAt: Date): HttpError {
  return new HttpError(
    410,
    'expired',
    `Job '${id}' expired and was deleted at ${wireTimestamp(expiredAt)} (UTC).`,
    { jobId: id, expiredAt: wireTimestamp(expiredAt) },
  );
}

/** For an id no job has: 410 when a tombstone remembers it, else 404. */
export async function missingJob(ctx: AppContext, id: string): Promise<HttpError> {
  const tombstone = await ctx.store.retention.getTombstone(id);
  return tombstone ? goneError(id, tombstone.expiredAt) : notFound(`job '${id}'`);
}

/**
 * The job whose directory holds `job`'s files: itself, or for a cache hit its original. Throws
 * 410 when that original has expired (the hit's files went with it).
 */
export async function filesSource(ctx: AppContext, job: Job): Promise<Job> {
  if (!job.cachedFrom) return job;
  const original = await ctx.store.getJob(job.cachedFrom);
  if (original) return original;
  const tombstone = await ctx.store.retention.getTombstone(job.cachedFrom);
  throw goneError(job.id, tombstone?.expiredAt ?? new Date());
}
