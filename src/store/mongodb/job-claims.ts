import { isAwaitingClaim, type Job } from '../../jobs';
import type { ClaimPendingArgs } from '../job-store';
import {
  dueInClaimOrder,
  queueEntryId,
  shuffleTail,
  type ClaimQueue,
  type QueueEntry,
} from './claim-queue';
import { documentToJob, type JobDocument } from './job-document';
import { claimUpdate } from './job-updates';
import type { JobWriter } from './job-writer';

/** How many queue entries a claim looks at per job it wants, so rivals spread out. */
const CLAIM_WINDOW_FACTOR = 4;
/** The widest head a claim reads while looking past delayed jobs. */
const MAX_CLAIM_WINDOW = 4096;
const FRESH_CLAIM_MS = 30_000;

/** Claims: due entries from the claim queue, each taken with a guarded write on its job. */
export class JobClaims {
  constructor(
    private readonly queue: ClaimQueue,
    private readonly writer: JobWriter,
  ) {}

  async claim(...[owner, leaseMs, limit, service, jobOwner]: ClaimPendingArgs): Promise<Job[]> {
    const claimed: Job[] = [];
    const due = await this.dueWindow(limit, service, jobOwner);
    for (let i = 0; i < due.length && claimed.length < limit; i++) {
      const job = await this.claimOne(due[i], owner, leaseMs);
      if (job) claimed.push(job);
      // Lost to a rival claimer: stop walking in its footsteps.
      else if (i === 0 || claimed.length === 0) shuffleTail(due, i + 1);
    }
    return claimed;
  }

  /** Each owner's share in turn: the queue is read per owner, as its own claim would. */
  async claimShares(
    owner: string,
    leaseMs: number,
    service: string,
    shares: { owner: string | null; due: number }[],
  ): Promise<Job[]> {
    const jobs: Job[] = [];
    for (const share of shares)
      jobs.push(...(await this.claim(owner, leaseMs, share.due, service, share.owner)));
    return jobs;
  }

  /**
   * The due entries at the head of the queue, in claim order. Delayed (not-before) jobs at the head
   * must not hide due ones behind them, so a window short of due jobs is widened.
   */
  private async dueWindow(
    limit: number,
    service?: string,
    jobOwner?: string | null,
  ): Promise<QueueEntry[]> {
    for (let size = limit * CLAIM_WINDOW_FACTOR + 8; ; size *= 4) {
      const window = await this.queue.head(size, service, jobOwner);
      const due = dueInClaimOrder(window, Date.now());
      if (due.length >= limit || window.length < size || size >= MAX_CLAIM_WINDOW) return due;
    }
  }

  /**
   * The claim: a guarded write that only a job awaiting a claim (PENDING or delayed) accepts. It
   * sets owner and lease (timed by the database's clock), a fresh fencing token and the attempt
   * count in one update.
   */
  private async claimOne(entry: QueueEntry, owner: string, leaseMs: number): Promise<Job | null> {
    const update = claimUpdate(owner, leaseMs);
    const fresh = Date.now() - entry.queuedAt.getTime() < FRESH_CLAIM_MS;
    // A fresh entry left for long means its claimer died mid-claim: take the careful path.
    if (entry.version === 0 && fresh) {
      const doc = await this.writer.writeFresh(entry.jobId, update);
      if (doc) await this.queue.remove(entry._id);
      return doc ? documentToJob(doc) : null;
    }
    const { doc, applied } = await this.writer.write(entry.jobId, (current) =>
      isAwaitingClaim(current) ? claimUpdate(owner, leaseMs, current) : null,
    );
    if (applied && doc) {
      await this.endWait(entry, doc);
      return documentToJob(doc);
    }
    if (isStale(entry, doc, fresh)) await this.queue.remove(entry._id);
    return null;
  }

  /**
   * A claim ends the job's current wait: its entry goes, and so does the entry the claim came
   * through when that one was left over from an earlier wait (a rival's claim had ended that wait
   * and the job was waiting again). Otherwise leftovers would pile up at the head of the queue.
   */
  private async endWait(used: QueueEntry, claimed: JobDocument): Promise<void> {
    await this.queue.remove(used._id);
    if (claimed.waitVersion === undefined) return;
    const current = queueEntryId(claimed._id, claimed.waitVersion);
    if (current !== used._id) await this.queue.remove(current);
  }
}

/**
 * Whether an entry no claim can use any more: its job stopped waiting at or after the entry's
 * version (a later wait has an entry of its own), or the job is gone. An entry ahead of the job
 * belongs to a write that is still landing, and a missing job to an insert that may still land.
 */
function isStale(entry: QueueEntry, doc: JobDocument | null, fresh: boolean): boolean {
  if (!doc) return !fresh;
  return doc.version >= entry.version && !isAwaitingClaim(doc);
}
