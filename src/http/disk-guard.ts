import type { DiskSpace } from '../lifecycle/disk-space';
import { HttpError } from './http-error';
import type { ServiceStatus } from './resources';
import { wireTimestamp } from './timestamp';

/** Seconds a client is told to wait when the disk is below its floor. */
export const DISK_RETRY_AFTER_SECONDS = 60;

export const LOW_DISK_MESSAGE =
  'Free disk space is below the server floor (store.min-free-disk): new jobs are not started ' +
  'until space returns.';

/**
 * New submissions and uploads are refused with 503 while free space is below the floor, instead
 * of being accepted and failing on a full disk. Jobs already stored are kept and wait.
 */
export async function refuseWhenDiskLow(disk: DiskSpace | undefined): Promise<void> {
  if (!disk || !(await disk.read()).low) return;
  throw new HttpError(
    503,
    'disk_space_low',
    'The server is low on disk space and accepts no new jobs or files for now; retry later.',
    { retryAfterSeconds: DISK_RETRY_AFTER_SECONDS },
    { 'Retry-After': String(DISK_RETRY_AFTER_SECONDS) },
  );
}

/**
 * Every service's status while the disk is below its floor: DOWN, saying why (the scheduler has
 * stopped claiming and submissions are refused); null when there is space.
 */
export async function lowDiskStatus(disk: DiskSpace | undefined): Promise<ServiceStatus | null> {
  if (!disk || !(await disk.read()).low) return null;
  return { status: 'DOWN', errorMessage: LOW_DISK_MESSAGE, timestamp: wireTimestamp(new Date()) };
}
