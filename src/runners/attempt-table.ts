import { attemptKey } from '../jobs';

/** One attempt of one job: what every agent journal entry and held job starts with. */
export interface AttemptKey {
  jobId: string;
  fencingToken: number;
}

/** The attempts an agent holds (or its journal lists), each found by its job and fencing token. */
export class AttemptTable<Entry extends AttemptKey> {
  private readonly byAttempt = new Map<string, Entry>();

  get(attempt: AttemptKey): Entry | undefined {
    return this.byAttempt.get(attemptKey(attempt.jobId, attempt.fencingToken));
  }

  /** Adds the entry, or replaces the one held for the same attempt. */
  set(entry: Entry): void {
    this.byAttempt.set(attemptKey(entry.jobId, entry.fencingToken), entry);
  }

  delete(attempt: AttemptKey): void {
    this.byAttempt.delete(attemptKey(attempt.jobId, attempt.fencingToken));
  }

  values(): IterableIterator<Entry> {
    return this.byAttempt.values();
  }
}
