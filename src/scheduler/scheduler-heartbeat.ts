import type { Logger } from '../lifecycle/logger';
import { timerDelayMs } from '../lifecycle/long-timer';
import type { JobStore } from '../store/job-store';
import { SCHEDULER_ROLE } from '../store/operations-records';

/** A failing write (the store down) is logged at most this often. */
const LOG_EVERY_MS = 60_000;

/**
 * Writes the scheduler's heartbeat to the store every heartbeat interval, so that every server
 * can tell (`/readyz`) whether a scheduler is alive, whichever host it runs on.
 */
export class SchedulerHeartbeat {
  private timer: NodeJS.Timeout | null = null;
  private lastLoggedAt = 0;
  private writing = false;

  constructor(
    private readonly store: JobStore,
    private readonly owner: string,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), timerDelayMs(this.intervalMs));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async beat(): Promise<void> {
    // A slow store must not pile up writes: the next beat waits for this one.
    if (this.writing) return;
    this.writing = true;
    try {
      await this.store.operations.recordHeartbeat(SCHEDULER_ROLE, {
        owner: this.owner,
        at: new Date(),
      });
    } catch (error) {
      const now = Date.now();
      if (now - this.lastLoggedAt >= LOG_EVERY_MS) {
        this.lastLoggedAt = now;
        this.log.warn(
          { err: error },
          'cannot write the scheduler heartbeat; servers will report not ready',
        );
      }
    } finally {
      this.writing = false;
    }
  }
}
