import type { Job } from '../jobs';
import type { JobStore, TransitionRequest } from '../store/job-store';

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

  constructor(private readonly store: JobStore) {}

  transition(change: TransitionRequest): Promise<Job | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ change, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    try {
      const results = await this.store.transitionMany(batch.map((q) => q.change));
      batch.forEach((q, i) => q.resolve(results[i]));
    } catch (error) {
      for (const q of batch) q.reject(error);
    }
  }
}
