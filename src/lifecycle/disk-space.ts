import { statfs } from 'node:fs/promises';
import type { DiskFloor } from '../config/retention-settings';

export interface DiskReading {
  /** Free space is below the floor on at least one of the watched filesystems. */
  low: boolean;
  /** The least free space seen, in bytes, and the floor it was held to. */
  freeBytes: number;
  floorBytes: number;
}

const NO_FLOOR: DiskReading = { low: false, freeBytes: Infinity, floorBytes: 0 };

/**
 * The disk-space floor (`store.min-free-disk`) over the filesystems holding the jobs and uploads
 * directories. A reading is reused for `cacheMs`, so a busy server asks the kernel a few times a
 * second at most; concurrent callers share one reading.
 */
export class DiskSpace {
  private reading: DiskReading = NO_FLOOR;
  private readAtMs = -Infinity;
  private pending: Promise<DiskReading> | null = null;

  constructor(
    private readonly floor: DiskFloor | null,
    private readonly directories: readonly string[],
    private readonly cacheMs = 1000,
  ) {}

  read(): Promise<DiskReading> {
    if (!this.floor) return Promise.resolve(NO_FLOOR);
    if (Date.now() - this.readAtMs < this.cacheMs) return Promise.resolve(this.reading);
    this.pending ??= this.measure(this.floor).finally(() => (this.pending = null));
    return this.pending;
  }

  private async measure(floor: DiskFloor): Promise<DiskReading> {
    let reading: DiskReading = { low: false, freeBytes: Infinity, floorBytes: 0 };
    for (const directory of this.directories) {
      // A filesystem that cannot be read is no reason to stop work: the write itself will tell.
      const stats = await statfs(directory).catch(() => null);
      if (!stats) continue;
      const freeBytes = stats.bavail * stats.bsize;
      const floorBytes =
        floor.kind === 'bytes'
          ? floor.bytes
          : Math.ceil((stats.blocks * stats.bsize * floor.percent) / 100);
      if (freeBytes < floorBytes || (!reading.low && freeBytes < reading.freeBytes)) {
        reading = { low: reading.low || freeBytes < floorBytes, freeBytes, floorBytes };
      }
    }
    this.reading = reading;
    this.readAtMs = Date.now();
    return reading;
  }
}
