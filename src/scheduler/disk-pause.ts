import type { DiskSpace } from '../lifecycle/disk-space';
import type { Logger } from '../lifecycle/logger';

/**
 * Claiming stops while free disk space is below `store.min-free-disk`: a job started then would
 * fail on a full disk. Jobs stay where they are (awaiting claim) and are claimed once space
 * returns; the change is logged once each way.
 */
export class DiskPause {
  private pausedNow = false;

  constructor(
    private readonly disk: DiskSpace,
    private readonly log: Logger,
  ) {}

  async paused(): Promise<boolean> {
    const reading = await this.disk.read();
    if (reading.low !== this.pausedNow) {
      this.pausedNow = reading.low;
      const { freeBytes, floorBytes } = reading;
      if (reading.low)
        this.log.warn({ freeBytes, floorBytes }, 'disk below floor: claiming paused');
      else
        this.log.info({ freeBytes, floorBytes }, 'disk space back above floor: claiming resumed');
    }
    return reading.low;
  }
}
