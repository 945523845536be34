import type { FileEventLimits } from '../config/live-output-settings';
import { HttpError } from './http-error';

/**
 * Counts open output event streams so that readers cannot hold file handles, timers and sockets
 * without limit: past the per-job limit a new stream is refused with 429, past the server's with
 * 503, both with `Retry-After`.
 */
export class FileEventGate {
  private readonly perJob = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: FileEventLimits) {}

  /** Takes a place for a stream of `jobId`; returns how to give it back (idempotent). */
  enter(jobId: string): () => void {
    const forJob = this.perJob.get(jobId) ?? 0;
    if (this.total >= this.limits.maxTotal) {
      throw new HttpError(
        503,
        'too_many_streams',
        'This server has as many output streams open as it allows; retry shortly.',
        { limit: 'api.file-events.max-connections' },
        { 'Retry-After': '5' },
      );
    }
    if (forJob >= this.limits.maxPerJob) {
      throw new HttpError(
        429,
        'too_many_streams',
        'This job has as many output streams open as the server allows; retry shortly.',
        { limit: 'api.file-events.max-per-job' },
        { 'Retry-After': '5' },
      );
    }
    this.perJob.set(jobId, forJob + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perJob.get(jobId) ?? 1) - 1;
      if (left > 0) this.perJob.set(jobId, left);
      else this.perJob.delete(jobId);
    };
  }

  get open(): number {
    return this.total;
  }
}
