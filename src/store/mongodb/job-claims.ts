import { isAwaitingClaim, type Job } from '../../jobs';
import { dueInClaimOrder, shuffleTail, type ClaimQueue, type QueueEntry } from './claim-queue';
import { documentToJob } from './job-document';
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

  async claim(owner: string, leaseMs: number, limit: number, service?: string): Promise<Job[]> {
    const claimed: Job[] = [];
    const due = await this.dueWindow(limit, service);
    for (let i = 0; i < due.length && claimed.length < limit; i++) {
      const job = await this.claimOne(due[i], owner, leaseMs);
      if (job) claimed.push(job);
      // Lost to a rival claimer: stop walking in its footsteps.
      else if (i === 0 || claimed.length === 0) shuffleTail(due, i + 1);
    }
    return claimed;
  }

  /**
   * The due entries at the head of the queue, in claim order. Delayed (not-before) jobs at the head
   * must not hide due ones behind them, so a window short of due jobs is widened.
   */
  private async dueWindow(limit: number, service?: string): Promise<QueueEntry[]> {
    for (let size = limit * CLAIM_WINDOW_FACTOR + 8; ; size *= 4) {
      const window = await this.queue.head(size, service);
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
    // A fresh entry left for long means its claimer died mid-claim: take the careful path.
    if (entry.version === 0 && Date.now() - entry.queuedAt.getTime() < FRESH_CLAIM_MS) {
      const doc = await this.writer.writeFresh(entry._id, update);
      if (doc) await this.queue.remove(entry._id);
      return doc ? documentToJob(doc) : null;
    }
    const { doc, applied } = await this.writer.write(entry._id, (current) =>
      isAwaitingClaim(current) ? update : null,
    );
    // Claimed by us, claimed or cancelled by someone else, or gone: no longer waiting either way.
    if (applied || !doc || !isAwaitingClaim(doc)) await this.queue.remove(entry._id);
    return applied && doc ? documentToJob(doc) : null;
  }
}
