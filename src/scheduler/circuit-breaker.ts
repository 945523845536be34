import type { BreakerSettings } from '../config/settings';
import type { BreakerState } from '../store/job-store';

export interface BreakerSnapshot {
  state: BreakerState;
  consecutiveFailures: number;
  retryAt: number | null;
  lastError: string | null;
}

/**
 * One runner's circuit breaker. Closed: jobs flow. N consecutive infrastructure failures within the
 * window open it: no new jobs. After a backoff (doubling per failed probe, with jitter) it lets one
 * probe job through (half-open); a success closes it, a failure opens it again for longer.
 */
export class CircuitBreaker {
  private state: BreakerState = 'closed';
  private failures = 0;
  private firstFailureAt = 0;
  private opens = 0;
  private retryAt: number | null = null;
  private lastError: string | null = null;

  constructor(
    private readonly settings: BreakerSettings,
    private readonly random: () => number = Math.random,
  ) {}

  /** Whether a job may go to this runner now; moves an open breaker whose time has come to half-open. */
  allows(now: number): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open' && this.retryAt !== null && now >= this.retryAt) {
      this.state = 'half-open';
      return true;
    }
    return false;
  }

  /** How many jobs may go now: all while closed, one probe while half-open. */
  capacity(now: number, wanted: number): number {
    if (!this.allows(now)) return 0;
    return this.state === 'half-open' ? Math.min(1, wanted) : wanted;
  }

  /** Returns true when the state changed. */
  success(): boolean {
    const changed = this.state !== 'closed' || this.failures > 0;
    this.state = 'closed';
    this.failures = 0;
    this.opens = 0;
    this.retryAt = null;
    return changed;
  }

  /**
   * Counts one failure. `inARow`: failures in a row someone else counted (an agent's engine
   * tools, polled with backoff): they count whatever the window, since a success resets them.
   */
  failure(reason: string, now: number, inARow = 0): boolean {
    this.lastError = reason;
    if (this.state === 'half-open') return this.open(now);
    if (this.state === 'open') return false;
    if (this.failures === 0 || now - this.firstFailureAt > this.settings.windowMs) {
      this.failures = 0;
      this.firstFailureAt = now;
    }
    this.failures = Math.max(this.failures + 1, inARow);
    return this.failures >= this.settings.failures ? this.open(now) : false;
  }

  private open(now: number): boolean {
    this.opens++;
    const ceiling = Math.min(
      this.settings.maxBackoffMs,
      this.settings.backoffMs * 2 ** (this.opens - 1),
    );
    // Equal jitter: at least half the backoff, so probes from many runners spread out.
    this.retryAt = now + Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
    this.state = 'open';
    return true;
  }

  snapshot(): BreakerSnapshot {
    return {
      state: this.state,
      consecutiveFailures: this.failures,
      retryAt: this.retryAt,
      lastError: this.lastError,
    };
  }
}
