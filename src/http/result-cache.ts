import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import { jobRetentionMs } from '../config/retention-policy';
import type { Settings } from '../config/settings';
import type { Job, JobInputs, NewJob } from '../jobs';
import type { Service } from '../services/service';
import type { JobStore, Upload } from '../store/job-store';
import { HttpError } from './http-error';

/** SHA-256 of a file, read as a stream (memory stays bounded whatever its size). */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Whether this submission may be answered from the cache: `?cache=no` forces a run. Any other
 * value than yes/no is refused, so a typo is not silently a cache hit.
 */
export function cacheAllowed(req: Request): boolean {
  const value = req.query.cache;
  if (value === undefined) return true;
  if (value === 'no' || value === 'false' || value === '0') return false;
  if (value === 'yes' || value === 'true' || value === '1') return true;
  throw new HttpError(400, 'invalid_query', "'cache' must be 'yes' or 'no'", {
    parameter: 'cache',
  });
}

/**
 * The cache key of a job: the service and its revision, every parameter's normalised
 * command-line value, and each input file by the SHA-256 of its contents (never by its path or
 * upload id, so the same bytes uploaded twice hit). Parameters are keyed by id in the service's
 * order; JSON keeps every value's boundaries, so no two different submissions share a key.
 * Null (the job simply runs) when an input is larger than `maxFileBytes` (an earlier job's output
 * may be: hashing it must cost no more than receiving an upload would) or cannot be read.
 */
export async function cacheKeyOf(
  service: Service,
  inputs: JobInputs,
  maxFileBytes: number,
): Promise<string | null> {
  try {
    return await computeCacheKey(service, inputs, maxFileBytes);
  } catch {
    return null;
  }
}

class TooLargeToHash extends Error {}

async function computeCacheKey(
  service: Service,
  inputs: JobInputs,
  maxFileBytes: number,
): Promise<string> {
  const entries: [string, unknown][] = [];
  for (const p of service.parameters) {
    const value = inputs[p.id] ?? null;
    if (p.kind === 'file' && value !== null) {
      const files = Array.isArray(value) ? value : [value];
      const hashes: string[] = [];
      for (const file of files) {
        if ((await stat(file)).size > maxFileBytes) throw new TooLargeToHash();
        hashes.push(await fileSha256(file));
      }
      entries.push([p.id, Array.isArray(value) ? hashes : hashes[0]]);
    } else {
      entries.push([p.id, value]);
    }
  }
  const text = JSON.stringify(['damson-cache-1', service.id, service.revision, entries]);
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The oldest completion time a reused job may have: its service's max age, and never a job that
 * is already past its retention (the sweeper may not have reached it yet).
 */
export function oldestReusable(settings: Settings, service: Service, nowMs: number): Date {
  const limits = [service.cache?.maxAgeMs ?? null, jobRetentionMs(settings.retention, service.id)];
  const ageMs = Math.min(...limits.map((ms) => ms ?? Number.MAX_SAFE_INTEGER));
  return new Date(Math.max(0, nowMs - ageMs));
}

/** A cache hit is only ever a COMPLETED original of the same service and revision. */
export function isReusable(job: Job, service: Service): boolean {
  return (
    job.state === 'COMPLETED' &&
    !job.cachedFrom &&
    job.service === service.id &&
    job.serviceRevision === service.revision
  );
}

/**
 * Answers a submission from the cache when a reusable original exists: its uploads are recorded
 * (they are still the client's files) and the new job is COMPLETED at once. Null: run it.
 */
export async function answerFromCache(
  store: JobStore,
  settings: Settings,
  service: Service,
  cacheKey: string,
  job: NewJob,
  uploads: Upload[],
): Promise<Job | null> {
  const since = oldestReusable(settings, service, Date.now());
  const original = await store.retention.findCachedResult(cacheKey, since);
  if (!original || !isReusable(original, service)) return null;
  for (const upload of uploads) await store.insertUpload(upload);
  return store.retention.insertCacheHit(original, job);
}
