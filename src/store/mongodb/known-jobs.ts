import { isFinished } from '../../jobs';
import type { JobDocument } from './job-document';

/** How many jobs a process remembers; a scheduler drives far fewer unfinished jobs at once. */
const KNOWN_JOBS_LIMIT = 4096;

/**
 * The document each job had after this process last wrote it: its likely current version, so the
 * next write by the same process (the scheduler drives a job through claim, QUEUED, RUNNING and
 * its end) can skip the read. Only a guess: JobWriter checks it with the version ticket, which it
 * cannot get when anyone else has written the job since. Finished jobs are never written again,
 * so they are forgotten; beyond the limit the oldest entry goes.
 */
export class KnownJobs {
  private readonly docs = new Map<string, JobDocument>();

  constructor(private readonly limit = KNOWN_JOBS_LIMIT) {}

  get(id: string): JobDocument | undefined {
    return this.docs.get(id);
  }

  remember(doc: JobDocument): void {
    this.docs.delete(doc._id);
    if (isFinished(doc.state)) return;
    this.docs.set(doc._id, doc);
    if (this.docs.size > this.limit) {
      const oldest = this.docs.keys().next();
      if (!oldest.done) this.docs.delete(oldest.value);
    }
  }

  forget(id: string): void {
    this.docs.delete(id);
  }

  get size(): number {
    return this.docs.size;
  }
}
