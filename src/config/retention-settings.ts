import { ConfigError } from '../errors';
import { settingOr } from './setting-declarations';
import {
  DEFAULT_MIN_FREE_DISK,
  DISK_SIZE,
  RETENTION_BY_SERVICE,
} from './setting-declarations/store-settings';

/** A disk-space floor: a number of free bytes, or a share of the filesystem's size. */
export type DiskFloor = { kind: 'bytes'; bytes: number } | { kind: 'percent'; percent: number };

const UNIT_BYTES: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
  kB: 1000,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
  TB: 1000 ** 4,
};

export interface RetentionExtras {
  /** Service id → days a finished job of it is kept (instead of `store.retention-days`). */
  byServiceDays: Map<string, number>;
  /** How long an expired job's id still answers 410 Gone (then 404). */
  tombstoneDays: number;
  /** Below this much free space the scheduler stops claiming and submissions get 503; null: off. */
  minFreeDisk: DiskFloor | null;
}

/** Parses `1GiB`, `500MB`, `5%` or a whole number of bytes; `0` turns the floor off. */
export function parseDiskFloor(value: unknown, file: string): DiskFloor | null {
  if (typeof value === 'number') return value === 0 ? null : { kind: 'bytes', bytes: value };
  const match = DISK_SIZE.exec(String(value));
  if (!match) throw new ConfigError(file, 'store.min-free-disk', 'expected bytes, 1GiB or 5%');
  const amount = Number(match[1]);
  if (match[2] === '%') {
    if (amount >= 100) {
      throw new ConfigError(file, 'store.min-free-disk', 'a percentage must be below 100');
    }
    return amount === 0 ? null : { kind: 'percent', percent: amount };
  }
  const bytes = Math.round(amount * UNIT_BYTES[match[2]]);
  return bytes === 0 ? null : { kind: 'bytes', bytes };
}

export { DEFAULT_MIN_FREE_DISK };

export function buildRetentionExtras(flat: Record<string, unknown>, file: string): RetentionExtras {
  const byServiceDays = new Map<string, number>();
  for (const [key, value] of Object.entries(flat)) {
    const match = RETENTION_BY_SERVICE.exec(key);
    if (match) byServiceDays.set(match[1], Number(value));
  }
  return {
    byServiceDays,
    tombstoneDays: settingOr<number>(flat, 'store.tombstone-days'),
    minFreeDisk: parseDiskFloor(settingOr<string | number>(flat, 'store.min-free-disk'), file),
  };
}
