import type { Collection, Db } from 'mongodb';
import type { Job, JobHistoryEntry } from '../../jobs';
import type { QueueEntry } from './claim-queue';
import type { JobDocument } from './job-document';

/**
 * Jobs of the same service a claim takes before `job`, counted up to `cap`, from the claim queue
 * (which holds only waiting jobs): due by the time the job is, with a higher priority, or the same
 * priority and queued earlier, which is the order claims read the queue in. An estimate: a job
 * with entries from two waits may count twice for a moment. 0 when the job has no entry.
 */
export async function mongoQueuePosition(
  db: Db,
  job: Pick<Job, 'id' | 'service' | 'priority' | 'notBefore'>,
  nowMs: number,
  cap: number,
): Promise<number> {
  const entries: Collection<QueueEntry> = db.collection<QueueEntry>('claim_queue');
  const own = await entries.find({ jobId: job.id }).sort({ version: -1 }).limit(1).next();
  if (!own) return 0;
  const dueBy = new Date(Math.max(nowMs, job.notBefore?.getTime() ?? 0));
  return entries.countDocuments(
    {
      service: job.service,
      jobId: { $ne: job.id },
      $and: [
        { $or: [{ notBefore: null }, { notBefore: { $lte: dueBy } }] },
        {
          $or: [
            { priority: { $gt: job.priority } },
            { priority: job.priority, queuedAt: { $lt: own.queuedAt } },
          ],
        },
      ],
    },
    { limit: cap },
  );
}

/** The histories of the latest `window` jobs of a service, newest first (run-time estimates). */
export async function mongoRecentHistories(
  db: Db,
  service: string,
  window: number,
): Promise<JobHistoryEntry[][]> {
  const docs = await db
    .collection<JobDocument>('jobs')
    .find({ service }, { projection: { history: 1 } })
    .sort({ submittedAt: -1, order: -1 })
    .limit(window)
    .toArray();
  return docs.map((doc) => doc.history ?? []);
}
