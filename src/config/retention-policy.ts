import type { Settings } from './settings';

const DAY_MS = 86_400_000;

type Retention = Settings['retention'];

/** How long a finished job of `service` is kept: its own override, else the global one. */
export function jobRetentionMs(retention: Retention, service: string): number | null {
  const days = retention.byServiceDays.get(service) ?? retention.finishedJobDays;
  return days === null ? null : days * DAY_MS;
}

/**
 * When a finished job is deleted (at the next sweep after this time); null while it is not
 * finished or when its service's jobs are kept.
 */
export function jobExpiresAt(
  retention: Retention,
  job: { service: string; completedAt: Date | null },
): Date | null {
  const keepMs = jobRetentionMs(retention, job.service);
  if (keepMs === null || job.completedAt === null) return null;
  return new Date(job.completedAt.getTime() + keepMs);
}

/**
 * When an upload may be deleted: its age limit, postponed for as long as a job that has not
 * finished uses it. Null when uploads are kept.
 */
export function uploadExpiresAt(retention: Retention, upload: { createdAt: Date }): Date | null {
  if (retention.uploadDays === null) return null;
  return new Date(upload.createdAt.getTime() + retention.uploadDays * DAY_MS);
}

/** When an expired job's tombstone is forgotten (its id then answers 404, not 410). */
export function tombstoneForgetAt(retention: Retention, now: Date): Date {
  return new Date(now.getTime() + retention.tombstoneDays * DAY_MS);
}
