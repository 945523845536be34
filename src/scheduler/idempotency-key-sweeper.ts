import { timerDelayMs } from '../lifecycle/long-timer';
import type { Logger } from '../lifecycle/logger';
import type { JobRecords } from '../store/job-store';

/** Keys forgotten per store call; a sweep repeats until fewer come back. */
const BATCH = 1000;
/** At most this many batches per sweep, so one sweep never holds the store for long. */
const MAX_BATCHES = 100;

/**
 * Forgets expired `Idempotency-Key` records (their jobs stay). Lookups already ignore an expired
 * key; this only keeps the table from growing. Runs in the scheduler, one per deployment.
 */
export class IdempotencyKeySweeper {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: JobRecords,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    const loop = (): void => {
      void this.sweep()
        .catch((error: unknown) => this.log.warn({ err: error }, 'idempotency key sweep failed'))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(loop, timerDelayMs(this.intervalMs));
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  async sweep(now = new Date()): Promise<number> {
    let total = 0;
    for (let i = 0; i < MAX_BATCHES; i++) {
      const deleted = await this.store.deleteExpiredIdempotencyKeys(now, BATCH);
      total += deleted;
      if (deleted < BATCH) break;
    }
    return total;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
