import type { Job, JobState } from '../jobs';
import type { Logger } from '../lifecycle/logger';
import type { JobRecords } from '../store/job-store';
import { progressKey, type ProgressReader } from './job-progress';

interface Watch {
  lastState: JobState;
  /** The progress key (job-progress.ts) last seen; undefined: this watch ignores progress. */
  lastProgress?: string;
  onChange: (job: Job) => void;
  onClose: () => void;
}

/**
 * Tells waiting requests (long-poll, SSE) when a job's state changes. The server is stateless and
 * the scheduler writes states to the store, so one shared loop re-reads only the jobs someone is
 * waiting on, once per interval, and runs only while someone waits.
 */
export class JobWatcher {
  private readonly watches = new Map<string, Set<Watch>>();
  private timer: NodeJS.Timeout | null = null;
  private checking = false;
  private again = false;
  private closed = false;

  constructor(
    private readonly store: JobRecords,
    private readonly intervalMs: number,
    private readonly log: Logger,
    /** Where progress is read; without it, progress changes are not watched. */
    private readonly progress?: ProgressReader,
  ) {}

  /**
   * Calls `onChange` each time the job's state differs from the last one this watch saw (first
   * from `job.state`), and `onClose` if the server shuts down. Returns the way to stop watching.
   * With `progress` (the progress key the caller knows), a change of progress counts too.
   */
  watch(
    job: Job,
    onChange: (job: Job) => void,
    onClose: () => void,
    progress?: string,
  ): () => void {
    if (this.closed) {
      onClose();
      return () => undefined;
    }
    const entry: Watch = { lastState: job.state, lastProgress: progress, onChange, onClose };
    let set = this.watches.get(job.id);
    if (!set) this.watches.set(job.id, (set = new Set()));
    set.add(entry);
    this.schedule();
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.watches.get(job.id) === set) this.watches.delete(job.id);
    };
  }

  /**
   * Re-reads the watched jobs now rather than at the next interval: the scheduler announced that
   * states changed. Re-reads never overlap, so a slow read cannot deliver an older state last.
   */
  nudge(): void {
    if (this.closed || this.watches.size === 0) return;
    if (this.checking) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    void this.tick();
  }

  /** How many jobs are being re-read (for tests and metrics). */
  get watchedJobs(): number {
    return this.watches.size;
  }

  /** Ends every wait: long-polls answer with what they have, streams close. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const all = [...this.watches.values()].flatMap((set) => [...set]);
    this.watches.clear();
    for (const entry of all) entry.onClose();
  }

  private schedule(): void {
    // A check in progress schedules the next one itself when it ends.
    if (this.timer || this.checking || this.closed || this.watches.size === 0) return;
    this.timer = setTimeout(() => void this.tick(), this.intervalMs);
  }

  private async tick(): Promise<void> {
    this.timer = null;
    this.checking = true;
    try {
      await this.check();
    } finally {
      this.checking = false;
    }
    if (this.again && !this.closed) {
      this.again = false;
      void this.tick();
    } else this.schedule();
  }

  /** The job's progress key when one of its watches follows progress (read at most per interval). */
  private async progressKeyOf(job: Job, set: Set<Watch>): Promise<string | undefined> {
    if (!this.progress || ![...set].some((e) => e.lastProgress !== undefined)) return undefined;
    return progressKey(await this.progress.read(job));
  }

  private async check(): Promise<void> {
    for (const [id, set] of [...this.watches]) {
      let job: Job | null;
      try {
        job = await this.store.getJob(id);
      } catch (error) {
        this.log.warn({ err: error, job: id }, 'could not re-read a watched job');
        continue;
      }
      if (!job) continue;
      const progress = await this.progressKeyOf(job, set);
      for (const entry of [...set]) {
        const progressChanged =
          progress !== undefined &&
          entry.lastProgress !== undefined &&
          entry.lastProgress !== progress;
        if (entry.lastState === job.state && !progressChanged) continue;
        entry.lastState = job.state;
        if (progressChanged) entry.lastProgress = progress;
        entry.onChange(job);
      }
    }
  }
}
