import { MongoBulkWriteError, type Collection } from 'mongodb';
import { queueEntry, type ClaimQueue } from './claim-queue';
import type { JobDocument } from './job-document';

/**
 * FerretDB runs each insert of a batch on a pooled PostgreSQL connection of its own: a few at a
 * time are safe (its updates of 50 statements are never answered), and 16 is the clients of a
 * busy portal at once.
 */
const MAX_BATCH = 16;

interface Waiting {
  doc: JobDocument;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * New jobs, written together: submissions that arrive while a write is in flight go out as the
 * next one, as two commands (their queue entries, then the jobs) instead of two each. On MongoDB
 * and FerretDB every command costs a round trip and the server's own overhead, which is most of a
 * submission's time, so under load this is what a store round trip buys. A lone submission goes
 * at once, so nothing waits when the portal is quiet. The order within a write is the order of
 * the calls, and each entry is written before its job, as a single insert does. A job the batch
 * could not write is written again alone, so its caller sees exactly the error a single insert
 * gives (a duplicate id, a lost connection).
 */
export class JobInserts {
  private readonly waiting: Waiting[] = [];
  private writing = false;

  constructor(
    private readonly jobs: Collection<JobDocument>,
    private readonly queue: Pick<ClaimQueue, 'add' | 'addMany'>,
  ) {}

  insert(doc: JobDocument): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ doc, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length) await this.write(this.waiting.splice(0, MAX_BATCH));
    } finally {
      this.writing = false;
    }
  }

  private async write(batch: Waiting[]): Promise<void> {
    if (batch.length === 1) return settle(batch[0], () => this.insertOne(batch[0].doc));
    let failed = new Set<number>();
    try {
      await this.queue.addMany(batch.map(({ doc }) => queueEntry(doc, 0)));
      failed = await this.insertManyJobs(batch.map(({ doc }) => doc));
    } catch {
      failed = new Set(batch.keys()); // the whole batch: each goes alone, and says why
    }
    await Promise.all(
      batch.map((waiting, i) =>
        failed.has(i) ? settle(waiting, () => this.insertOne(waiting.doc)) : waiting.resolve(),
      ),
    );
  }

  /** The batch's jobs; the indexes of those not written (any other failure throws). */
  private async insertManyJobs(docs: JobDocument[]): Promise<Set<number>> {
    try {
      await this.jobs.insertMany(docs, { ordered: false });
      return new Set();
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError)) throw error;
      const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
      return new Set(errors.map((e) => e.index));
    }
  }

  private async insertOne(doc: JobDocument): Promise<void> {
    await this.queue.add(queueEntry(doc, 0));
    await this.jobs.insertOne(doc);
  }
}

async function settle(waiting: Waiting, write: () => Promise<void>): Promise<void> {
  try {
    await write();
    waiting.resolve();
  } catch (error) {
    waiting.reject(error);
  }
}
