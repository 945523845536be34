import type { Collection, Filter } from 'mongodb';
import type { JobFilter, JobPage, Upload, UsageRow } from '../job-store';
import { ACTIVE_STATES, UNFINISHED_STATES } from '../../jobs';
import { inputValues } from '../upload-references';
import { decodeCursor, encodeCursor, olderThan } from './cursor';
import {
  documentToJob,
  documentToUpload,
  type JobDocument,
  type UploadDocument,
} from './job-document';

// The store's reads and deletes that need no ticket or claim: the listing, the usage statistics
// and the retention of uploads.

/**
 * Jobs the scheduler drives: claimed and not finished. QUEUED only with an owner, since a delayed
 * job (QUEUED, no owner) waits for its claim and no agent holds it.
 */
export const ACTIVE_JOBS: Filter<JobDocument> = {
  $or: [
    { state: { $in: ACTIVE_STATES.filter((state) => state !== 'QUEUED') } },
    { state: 'QUEUED', leaseOwner: { $ne: null } },
  ],
};

/** A page of jobs, newest first; the cursor is the last job's submission time and order. */
export async function listJobPage(
  jobs: Collection<JobDocument>,
  filter: JobFilter,
): Promise<JobPage> {
  const query: Filter<JobDocument>[] = [];
  if (filter.service) query.push({ service: filter.service });
  if (filter.owner !== undefined) query.push({ owner: filter.owner });
  if (filter.states?.length) query.push({ state: { $in: filter.states } });
  if (filter.submittedSince) query.push({ submittedAt: { $gte: filter.submittedSince } });
  if (filter.submittedBefore) query.push({ submittedAt: { $lt: filter.submittedBefore } });
  if (filter.cursor) {
    const after = decodeCursor(filter.cursor);
    // A cursor this store never issued points past the end, as in the SQLite store.
    if (!after) return { jobs: [], nextCursor: null };
    query.push(olderThan(after));
  }
  const docs = await jobs
    .find(query.length ? { $and: query } : {})
    .sort({ submittedAt: -1, order: -1 })
    .limit(filter.limit + 1)
    .toArray();
  const page = docs.slice(0, filter.limit);
  const last = page[page.length - 1];
  return {
    jobs: page.map(documentToJob),
    nextCursor: docs.length > filter.limit && last ? encodeCursor(last) : null,
  };
}

/** Jobs submitted per month and service. */
export async function usageStatistics(jobs: Collection<JobDocument>): Promise<UsageRow[]> {
  const groups = await jobs
    .aggregate<{ _id: { month: string; service: string }; count: number }>([
      { $group: { _id: { month: '$month', service: '$service' }, count: { $sum: 1 } } },
    ])
    .toArray();
  return groups
    .map((g) => ({ month: g._id.month, service: g._id.service, count: g.count }))
    .sort((a, b) => a.month.localeCompare(b.month) || a.service.localeCompare(b.service));
}

/** Deletes up to `limit` upload records older than `cutoff` that no unfinished job uses. */
export async function deleteUnusedUploads(
  jobs: Collection<JobDocument>,
  uploads: Collection<UploadDocument>,
  cutoff: Date,
  limit: number,
): Promise<Upload[]> {
  const inUse = new Set<string>();
  const live = jobs.find({ state: { $in: [...UNFINISHED_STATES] } }, { projection: { inputs: 1 } });
  for await (const doc of live) for (const value of inputValues(doc.inputs)) inUse.add(value);
  const docs = await uploads
    .find({ createdAt: { $lt: cutoff }, path: { $nin: [...inUse] } })
    .sort({ createdAt: 1 })
    .limit(limit)
    .toArray();
  if (docs.length === 0) return [];
  // No transactions here: a job recorded meanwhile with one of these files as input would
  // lose it. Only uploads older than the retention age are candidates, which keeps that rare.
  await uploads.deleteMany({ _id: { $in: docs.map((doc) => doc._id) } });
  return docs.map(documentToUpload);
}
