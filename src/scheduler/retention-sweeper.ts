import { lstat, readdir, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { timerDelayMs } from '../lifecycle/long-timer';
import type { Logger } from '../lifecycle/logger';
import { SHARED_UPLOADS_DIRECTORY } from '../jobs';
import type { JobStore } from '../store/job-store';
import type { ExpiryRule } from '../store/retention-records';

export interface RetentionOptions {
  /** Finished jobs older than this are deleted with their work directories; null keeps them. */
  retentionMs: number | null;
  /** Services whose finished jobs are kept for their own time instead (service id → ms). */
  retentionMsByService?: ReadonlyMap<string, number>;
  /** How long an expired job's id answers 410 Gone before it is forgotten (404). */
  tombstoneMs?: number;
  /** Uploads older than this that no unfinished job uses are deleted; null keeps them. */
  uploadRetentionMs: number | null;
  /**
   * A file in the uploads directory with no upload record, unchanged for this long, is left over
   * from a crash, a kill or a failed write (partial files included), and is removed.
   */
  orphanAgeMs: number;
  sweepIntervalMs: number;
  jobsDirectory: string;
  uploadsDirectory: string;
}

export interface SweepResult {
  jobs: number;
  uploads: number;
  orphans: number;
}

const BATCH = 500;
/** Older servers wrote uploads here first; its leftovers are orphans too. */
const INCOMING = '.incoming';

/** `target` if it lies strictly below `root` (both resolved), else null. */
function confined(root: string, target: string): string | null {
  const base = path.resolve(root);
  const resolved = path.resolve(base, target);
  return resolved.startsWith(base + path.sep) ? resolved : null;
}

/**
 * Deletes what is past its time: finished jobs (record first, then files) older than the job
 * retention, uploads no unfinished job uses older than the upload retention (record, then file),
 * and files in the uploads directory that have no record. Runs at start, then every interval. A
 * store outage only delays a sweep; the next one catches up.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<SweepResult> | null = null;

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

  /** One sweep; concurrent calls share one sweep. */
  sweep(): Promise<SweepResult> {
    this.sweeping ??= this.sweepAll().finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  private async sweepAll(): Promise<SweepResult> {
    const jobs = await this.deleteExpiredJobs();
    const uploads = await this.deleteExpiredUploads();
    const orphans = await this.deleteOrphans();
    return { jobs, uploads, orphans };
  }

  /**
   * Each service with its own retention, then every other service by the global one. A job goes
   * with the cache hits that point at it, and leaves a tombstone.
   */
  private async deleteExpiredJobs(): Promise<number> {
    const now = Date.now();
    const own = this.options.retentionMsByService ?? new Map<string, number>();
    const rules: ExpiryRule[] = [...own].map(([service, ms]) => ({
      service,
      cutoff: new Date(now - ms),
    }));
    if (this.options.retentionMs !== null) {
      rules.push({
        cutoff: new Date(now - this.options.retentionMs),
        exceptServices: [...own.keys()],
      });
    }
    const forgetAt = new Date(now + (this.options.tombstoneMs ?? 30 * 86_400_000));
    let deleted = 0;
    for (const rule of rules) {
      for (;;) {
        const jobs = await this.store.retention.expireFinished(rule, forgetAt, BATCH);
        for (const job of jobs) await this.removeDirectory(job.workDir);
        deleted += jobs.length;
        if (jobs.length < BATCH) break;
      }
    }
    if (deleted) this.log.info({ deleted }, 'deleted finished jobs past retention');
    const forgotten = await this.store.retention.forgetTombstones(new Date(now));
    if (forgotten) this.log.info({ forgotten }, 'forgot expired job ids past their tombstone time');
    return deleted;
  }

  private async deleteExpiredUploads(): Promise<number> {
    if (this.options.uploadRetentionMs === null) return 0;
    const cutoff = new Date(Date.now() - this.options.uploadRetentionMs);
    let deleted = 0;
    for (;;) {
      const uploads = await this.store.deleteUnusedUploadsBefore(cutoff, BATCH);
      // A file that fails to go now has no record any more: the orphan sweep takes it later.
      for (const upload of uploads) await this.removeUploadFile(upload.path);
      deleted += uploads.length;
      if (uploads.length < BATCH) break;
    }
    if (deleted) this.log.info({ deleted, cutoff }, 'deleted unused uploads past retention');
    return deleted;
  }

  /** Files (never directories or symlinks) in the uploads directory that no record names. */
  private async deleteOrphans(): Promise<number> {
    const root = path.resolve(this.options.uploadsDirectory);
    const olderThanMs = Date.now() - this.options.orphanAgeMs;
    let removed = 0;
    for (const directory of [root, path.join(root, INCOMING)]) {
      let names: string[];
      try {
        names = await readdir(directory);
      } catch {
        continue;
      }
      for (const name of names) {
        const file = path.join(directory, name);
        const stats = await lstat(file).catch(() => null);
        // Recent files may belong to a request still in progress, or be about to be recorded (an
        // upload linked to older shared bytes was touched when linked: shared-uploads.ts).
        if (!stats?.isFile() || stats.mtimeMs > olderThanMs) continue;
        // Uploads are recorded under their file name; partial and incoming files never are.
        if (directory === root && (await this.store.getUpload(name)) !== null) continue;
        if (await this.removeUploadFile(file)) removed++;
      }
    }
    removed += await this.releaseSharedContent(root);
    if (removed) this.log.info({ removed }, 'removed orphaned upload files');
    return removed;
  }

  /**
   * Shared upload bytes (`.by-content/<sha256>`) that no upload links to any more: a link count
   * of one is the shared name alone. An upload linking to it meanwhile keeps the bytes through its
   * own name, so removing the shared name never takes a file an upload needs.
   */
  private async releaseSharedContent(root: string): Promise<number> {
    const directory = path.join(root, SHARED_UPLOADS_DIRECTORY);
    const names = await readdir(directory).catch(() => [] as string[]);
    const olderThanMs = Date.now() - this.options.orphanAgeMs;
    let removed = 0;
    for (const name of names) {
      const file = path.join(directory, name);
      const stats = await lstat(file).catch(() => null);
      if (!stats?.isFile() || stats.nlink > 1 || stats.ctimeMs > olderThanMs) continue;
      if (await this.removeUploadFile(file)) removed++;
    }
    return removed;
  }

  /** Removes one file below the uploads directory; anything else is left alone. */
  private async removeUploadFile(file: string): Promise<boolean> {
    const target = confined(this.options.uploadsDirectory, file);
    if (!target) return false;
    try {
      await unlink(target);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') this.log.warn({ err: error, file: target }, 'cannot remove upload');
      return false;
    }
  }

  private async removeDirectory(workDir: string): Promise<void> {
    // A work dir is always below the jobs directory; never remove anything else.
    const target = confined(this.options.jobsDirectory, workDir);
    if (target) await rm(target, { recursive: true, force: true });
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
