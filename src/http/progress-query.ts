import type { Request } from 'express';
import type { JobProgress, JobResource } from '../wire/api-resources';
import { HttpError } from './http-error';

/**
 * `?progress=<last seen percent>` (or `none`) on a long-poll: the answer also comes when the
 * job's percent differs from it. Absent: progress does not end the wait (slivka-era clients that
 * wait for a state are not woken twice a second).
 */
export function knownProgress(req: Request): string | undefined {
  const raw = req.query.progress;
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'none') return 'none';
  const percent = typeof raw === 'string' && /^\d{1,3}(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(percent >= 0 && percent <= 100)) {
    throw new HttpError(400, 'invalid_query', 'progress must be a percent from 0 to 100 or none', {
      parameter: 'progress',
    });
  }
  return String(Math.round(percent * 10) / 10);
}

/** The job resource with `progress` when the job has one (a Damson field; slivka ignores it). */
export function withProgress(resource: JobResource, progress: JobProgress | null): JobResource {
  return progress ? { ...resource, progress } : resource;
}
