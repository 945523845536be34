import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { RateCounters } from '../store/access-records';

/** Ended windows a sweep deletes per store call, and calls per sweep at most. */
const SWEEP_BATCH = 1000;
const SWEEP_BATCHES = 100;
/** How many clients' limits are remembered between a request's key and its count. */
const MAX_CEILINGS = 10_000;

/**
 * express-rate-limit's store, counting in the job store so that every server behind a proxy
 * counts into the same fixed windows (aligned to the epoch, so each server names a window alike)
 * and a client's allowance is the configured one, not one per server. Ended windows are swept by
 * each server at most once per window (or minute), in bounded batches.
 */
export class SharedRateStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;
  private nextSweepAt = 0;
  private readonly ceilings = new Map<string, number>();

  constructor(
    private readonly counters: RateCounters,
    /** Keeps this limiter's counts apart from another's (requests, submissions). */
    readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  /** The limit of the client `key` names: hits above it need not be recorded (see RateCounters). */
  setCeiling(key: string, limit: number): void {
    if (this.ceilings.size >= MAX_CEILINGS) this.ceilings.clear();
    this.ceilings.set(key, limit);
  }

  private window(now: number): { start: Date; reset: Date } {
    const start = Math.floor(now / this.windowMs) * this.windowMs;
    return { start: new Date(start), reset: new Date(start + this.windowMs) };
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const now = this.now();
    const { start, reset } = this.window(now);
    const ceiling = this.ceilings.get(key);
    const totalHits = await this.counters.hit(this.prefix + key, start, reset, ceiling);
    if (now >= this.nextSweepAt) {
      this.nextSweepAt = now + Math.min(this.windowMs, 60_000);
      void this.sweep(new Date(now));
    }
    return { totalHits, resetTime: reset };
  }

  async decrement(key: string): Promise<void> {
    await this.counters.unhit(this.prefix + key, this.window(this.now()).start);
  }

  async resetKey(key: string): Promise<void> {
    await this.counters.reset(this.prefix + key);
  }

  /** Best effort: a failed sweep is retried at the next one, and counting goes on meanwhile. */
  private async sweep(now: Date): Promise<void> {
    try {
      for (let batch = 0; batch < SWEEP_BATCHES; batch += 1) {
        if ((await this.counters.sweep(now, SWEEP_BATCH)) < SWEEP_BATCH) return;
      }
    } catch {
      this.nextSweepAt = 0;
    }
  }
}
