import { MongoBulkWriteError, type Collection, type Filter } from 'mongodb';
import type { OwnerDue, PendingSummary } from '../job-store';
import { QUEUE_INDEXES } from './indexes';
import { DUPLICATE_KEY, isDuplicateKey } from './document-keys';

/** A job awaiting a claim (PENDING, or delayed): a copy of what the claim order needs. */
export interface QueueEntry {
  /** `<job id>@<version>`: each wait has its own entry, so removing an old one never hits a newer. */
  _id: string;
  jobId: string;
  service: string;
  priority: number;
  notBefore: Date | null;
  /** The job's version when it began to wait: 0 for a new job, which needs no re-read. */
  version: number;
  queuedAt: Date;
  /** The job's owner; absent in entries written before owners (a filter on null matches them). */
  owner?: string | null;
}

/** The id of the entry of the wait that began at the job's version `version`. */
export const queueEntryId = (jobId: string, version: number): string => `${jobId}@${version}`;

/** The entry announcing that job `jobId` waits for a claim from its version `version` on. */
export function queueEntry(
  job: Pick<QueueEntry, 'service' | 'priority' | 'notBefore' | 'owner'> & { _id: string },
  version: number,
): QueueEntry {
  return {
    _id: queueEntryId(job._id, version),
    jobId: job._id,
    service: job.service,
    priority: job.priority,
    notBefore: job.notBefore,
    version,
    queuedAt: new Date(),
    owner: job.owner ?? null,
  };
}

/**
 * The claim queue: one small document per job awaiting a claim, in insertion order. The
 * scheduler reads the head with an unfiltered, limited find, which every server answers without
 * scanning the jobs (FerretDB 1.x uses no secondary index, so a filtered find on jobs reads them
 * all). An entry is only a hint: the claim itself is a guarded write that re-checks the job still
 * awaits a claim.
 */
export class ClaimQueue {
  constructor(private readonly entries: Collection<QueueEntry>) {}

  /**
   * Adds the entry before the job starts to wait (at its insert, or once the write that makes it
   * wait holds its version ticket), so a waiting job is never missing from the queue.
   */
  async add(entry: QueueEntry): Promise<void> {
    try {
      await this.entries.insertOne(entry);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  /** Entries of several new jobs in one command, in this order (job-inserts.ts). */
  async addMany(batch: QueueEntry[]): Promise<void> {
    try {
      await this.entries.insertMany(batch, { ordered: false });
    } catch (error) {
      // An entry already there (a retried write) is no error, as for `add`.
      const errors = error instanceof MongoBulkWriteError ? error.writeErrors : null;
      const all = errors === null ? [] : Array.isArray(errors) ? errors : [errors];
      if (errors === null || !all.every((e) => e.code === DUPLICATE_KEY)) throw error;
    }
  }

  /** Up to `size` waiting jobs (of one service, of one owner, when given), oldest first. */
  head(size: number, service?: string, owner?: string | null): Promise<QueueEntry[]> {
    const filter: Filter<QueueEntry> = service === undefined ? {} : { service };
    if (owner !== undefined) filter.owner = owner;
    return this.entries.find(filter).limit(size).toArray();
  }

  /** Due jobs of a service per owner, read from the queue like the summary. */
  async pendingByOwner(service: string, nowMs: number): Promise<OwnerDue[]> {
    const entries = await this.entries
      .find({ service }, { projection: { jobId: 1, notBefore: 1, owner: 1 } })
      .toArray();
    return countByOwner(entries, nowMs);
  }

  /**
   * What is waiting, per service. Read from the queue, which holds only waiting jobs (and, for a
   * moment, a job whose claim has not yet removed its entry), never from the whole jobs history.
   */
  async summary(nowMs: number): Promise<PendingSummary> {
    const entries = await this.entries
      .find({}, { projection: { jobId: 1, service: 1, notBefore: 1 } })
      .toArray();
    return summarise(entries, nowMs);
  }

  /** One call per index: see MongoJobStore's setup (FerretDB and multi-index createIndexes). */
  async createIndexes(): Promise<void> {
    for (const { key, ...options } of QUEUE_INDEXES) await this.entries.createIndex(key, options);
  }

  /** Removes one entry by its exact id: a newer wait of the same job keeps its own. */
  async remove(entryId: string): Promise<void> {
    await this.entries.deleteOne({ _id: entryId });
  }

  /** Removes every entry of a job that will never wait again (deleted). */
  async forget(jobId: string): Promise<void> {
    await this.entries.deleteMany({ jobId });
  }
}

/** The due entries of a window, highest priority first, in queue order within a priority. */
export function dueInClaimOrder(window: QueueEntry[], nowMs: number): QueueEntry[] {
  return window
    .filter((entry) => entry.notBefore === null || entry.notBefore.getTime() <= nowMs)
    .sort((a, b) => b.priority - a.priority);
}

/** Shuffles the jobs of equal priority from `from` on, so rival claimers try different ones. */
export function shuffleTail(items: QueueEntry[], from: number): void {
  let end = from;
  while (end < items.length && items[end].priority === items[from].priority) end++;
  for (let i = end - 1; i > from; i--) {
    const j = from + Math.floor(Math.random() * (i - from + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}

/** Due entries counted per service (sorted by name), and the earliest not-before still ahead. */
export function summarise(
  entries: Pick<QueueEntry, 'jobId' | 'service' | 'notBefore'>[],
  nowMs: number,
): PendingSummary {
  const due = new Map<string, number>();
  let next: number | null = null;
  // A job can have an entry per wait until a claim clears the older ones: count it once.
  const seen = new Set<string>();
  for (const { jobId, service, notBefore } of entries) {
    if (seen.has(jobId)) continue;
    seen.add(jobId);
    const at = notBefore?.getTime() ?? null;
    if (at !== null && at > nowMs) {
      if (next === null || at < next) next = at;
      continue;
    }
    due.set(service, (due.get(service) ?? 0) + 1);
  }
  return {
    services: [...due]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([service, count]) => ({ service, due: count })),
    nextDueAt: next === null ? null : new Date(next),
  };
}

/** Due entries counted per owner, each job once (it may have an entry per wait for a moment). */
export function countByOwner(
  entries: Pick<QueueEntry, 'jobId' | 'notBefore' | 'owner'>[],
  nowMs: number,
): OwnerDue[] {
  const due = new Map<string | null, number>();
  const seen = new Set<string>();
  for (const { jobId, notBefore, owner } of entries) {
    if (seen.has(jobId) || (notBefore !== null && notBefore.getTime() > nowMs)) continue;
    seen.add(jobId);
    const key = owner ?? null;
    due.set(key, (due.get(key) ?? 0) + 1);
  }
  return [...due].map(([owner, count]) => ({ owner, due: count }));
}
