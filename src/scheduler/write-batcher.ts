import type { Job } from '../jobs';
import type { TransitionRequest, ClaimQueue } from '../store/job-store';

/** Sees every write and its outcome (the job after it, or null when refused): metrics. */
export interface WriteObserver {
  written(change: TransitionRequest, job: Job | null): void;
}

interface Queued {
  change: TransitionRequest;
  resolve: (job: Job | null) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers the state writes of one turn of the event loop into one store transaction: at thousands
 * of reports a second, one commit per batch instead of one per report. Order is kept.
 */
export class WriteBatcher {
  private queue: Queued[] = [];
  private scheduled = false;
  /** Batches sent to the store and not yet answered (several overlap on an asynchronous store). */
  private readonly writing = new Set<Promise<void>>();
  /** Sees every write and its outcome (metrics). */
  observer?: WriteObserver;

  /** `onWritten` runs after each batch that changed at least one job, with the jobs it changed. */
  constructor(
    private readonly store: ClaimQueue,
    private readonly onWritten: (written: Job[]) => void = () => undefined,
  ) {}

  transition(change: TransitionRequest): Promise<Job | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ change, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          const flushing = this.flush();
          this.writing.add(flushing);
          void flushing.finally(() => this.writing.delete(flushing));
        });
      }
    });
  }

  /** Resolves once every write queued so far has reached the store (a stop waits for it). */
  async idle(): Promise<void> {
    while (this.scheduled || this.writing.size) {
      if (this.scheduled) await new Promise((resolve) => setImmediate(resolve));
      await Promise.all([...this.writing]);
    }
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    try {
      const results = await this.store.transitionMany(batch.map((q) => q.change));
      const written = results.filter((job): job is Job => job !== null);
      if (this.observer) batch.forEach((q, i) => this.observer?.written(q.change, results[i]));
      if (written.length) this.onWritten(written);
      batch.forEach((q, i) => q.resolve(results[i]));
    } catch (error) {
      for (const q of batch) q.reject(error);
    }
  }
}
