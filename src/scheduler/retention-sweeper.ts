import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../lifecycle/logger';
import type { JobStore } from '../store/job-store';
import { timerDelayMs } from '../lifecycle/long-timer';

export interface RetentionOptions {
  /** Finished jobs older than this are deleted with their work directories. */
  retentionMs: number;
  sweepIntervalMs: number;
  jobsDirectory: string;
}

const BATCH = 500;

/**
 * Deletes finished jobs (record first, then files) once they are older than the retention age.
 * A store outage only delays a sweep; the next one catches up.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<number> | null = null;

  constructor(
    private readonly store: JobStore,
    private readonly options: RetentionOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    const loop = (): void => {
      void this.sweep()
        .catch((error: unknown) => this.log.warn({ err: error }, 'retention sweep failed'))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(loop, timerDelayMs(this.options.sweepIntervalMs));
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  /** One sweep; returns how many jobs were deleted. Concurrent calls share one sweep. */
  sweep(): Promise<number> {
    this.sweeping ??= this.deleteExpired().finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  private async deleteExpired(): Promise<number> {
    const cutoff = new Date(Date.now() - this.options.retentionMs);
    let deleted = 0;
    for (;;) {
      const jobs = await this.store.deleteFinishedBefore(cutoff, BATCH);
      for (const job of jobs) await this.removeDirectory(job.workDir);
      deleted += jobs.length;
      if (jobs.length < BATCH) break;
    }
    if (deleted) this.log.info({ deleted, cutoff }, 'deleted finished jobs past retention');
    return deleted;
  }

  private async removeDirectory(workDir: string): Promise<void> {
    const root = path.resolve(this.options.jobsDirectory);
    const target = path.resolve(root, workDir);
    // A work dir is always below the jobs directory; never remove anything else.
    if (!target.startsWith(root + path.sep)) return;
    await rm(target, { recursive: true, force: true });
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
