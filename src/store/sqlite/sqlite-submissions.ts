import type Database from 'better-sqlite3';
import { initialState, type Job, type NewJob } from '../../jobs';
import type { Upload } from '../job-store';
import type { IdempotencyRecord } from '../idempotency-records';
import { firstHistory } from './history-sql';
import { newJobValues, rowToJob, type JobRow } from './row-mapping';
import { claimIdempotencyKey } from './sqlite-idempotency';
import { insertUploadRow } from './sqlite-upload-records';

interface QueuedSubmission {
  job: NewJob;
  uploads: Upload[];
  /** The idempotency key taken in the same transaction, if any. */
  once?: IdempotencyRecord;
  resolve(job: Job): void;
  reject(error: unknown): void;
}

type Outcome = { job: Job } | { error: unknown };

/**
 * Submissions arriving in the same turn of the event loop are committed together: most of a
 * commit's cost is writing the index pages it touched, and rows inserted together share them.
 * Each submission still stands alone (a savepoint), so one failing leaves the others in place.
 */
export class SubmissionBatches {
  private readonly queued: QueuedSubmission[] = [];

  constructor(private readonly db: Database.Database) {}

  submit(job: NewJob, uploads: Upload[], once?: IdempotencyRecord): Promise<Job> {
    return new Promise((resolve, reject) => {
      const queued = this.queued.push({ job, uploads, once, resolve, reject });
      if (queued === 1) setImmediate(() => this.commit());
    });
  }

  /** Commits what is queued now (also on close, so no submission is left waiting). */
  commit(): void {
    const batch = this.queued.splice(0);
    if (batch.length === 0) return;
    const outcomes: Outcome[] = [];
    try {
      this.submitAll(batch, outcomes);
    } catch (error) {
      // The commit itself failed: nothing of the batch was recorded.
      for (const s of batch) s.reject(error);
      return;
    }
    batch.forEach((s, i) => {
      const outcome = outcomes[i];
      if ('job' in outcome) s.resolve(outcome.job);
      else s.reject(outcome.error);
    });
  }

  private submitAll(batch: QueuedSubmission[], outcomes: Outcome[]): void {
    const submitOne = this.db.transaction((s: QueuedSubmission): Job => {
      if (s.once) claimIdempotencyKey(this.db, s.once);
      for (const upload of s.uploads) insertUploadRow(this.db, upload);
      return insertJobRow(this.db, s.job);
    });
    this.db
      .transaction(() => {
        for (const s of batch) {
          try {
            outcomes.push({ job: submitOne(s) });
          } catch (error) {
            outcomes.push({ error });
          }
        }
      })
      .immediate();
  }
}

/** One job's row, stored PENDING or delayed (src/jobs initialState) with its first history entry. */
export function insertJobRow(db: Database.Database, job: NewJob): Job {
  const now = Date.now();
  const row = db
    .prepare(
      `INSERT INTO jobs (id, service, inputs, parameters, state, submitted_at, work_dir, priority, not_before, service_revision, history, callback_url, callback_events, cache_key, rerun_of, owner)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    )
    .get(
      ...newJobValues(job),
      initialState(job.notBefore, now),
      now,
      job.workDir,
      job.priority ?? 0,
      job.notBefore?.getTime() ?? null,
      job.serviceRevision ?? null,
      firstHistory(initialState(job.notBefore, now), now),
      job.callback?.url ?? null,
      job.callback?.events ?? null,
      job.cacheKey ?? null,
      job.rerunOf ?? null,
      job.owner ?? null,
    ) as JobRow;
  return rowToJob(row);
}
