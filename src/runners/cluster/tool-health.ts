import type { Logger } from '../../lifecycle/logger';
import type { ReportHealth } from '../executor';

export interface ToolFailure {
  engine: string;
  error: Error;
  /** Failures in a row, this one included; reset by the next engine call that works. */
  consecutive: number;
}

export type ToolFailureHook = (failure: ToolFailure) => void;

/**
 * Counts engine tool failures (timeouts, non-zero exits, garbage) in a row. A failure never ends a
 * job by itself; it is logged, retried with backoff and handed to the hook that feeds the runner's
 * circuit breaker.
 */
export class ToolHealth {
  private consecutive = 0;
  private total = 0;
  private lastError: string | null = null;
  private watcher: ReportHealth | null = null;

  constructor(
    private readonly engine: string,
    private readonly log: Logger,
    private readonly hook?: ToolFailureHook,
  ) {}

  /** Records a failure; returns how many failures in a row there have been. */
  failed(error: Error): number {
    this.consecutive++;
    this.total++;
    this.lastError = error.message;
    this.log.warn(
      { engine: this.engine, consecutive: this.consecutive, err: error.message },
      'engine tool failed; retrying with backoff',
    );
    this.hook?.({ engine: this.engine, error, consecutive: this.consecutive });
    this.watcher?.({
      kind: this.engine,
      ok: false,
      consecutiveFailures: this.consecutive,
      reason: error.message,
    });
    return this.consecutive;
  }

  succeeded(): void {
    if (this.consecutive === 0) return;
    this.log.info({ engine: this.engine, after: this.consecutive }, 'engine tools answer again');
    this.consecutive = 0;
    this.watcher?.({ kind: this.engine, ok: true, consecutiveFailures: 0, reason: null });
  }

  /** Changes (each failure, and the first success after failures) go to `report` too. */
  watch(report: ReportHealth): void {
    this.watcher = report;
  }

  snapshot(): { consecutiveFailures: number; totalFailures: number; lastError: string | null } {
    return {
      consecutiveFailures: this.consecutive,
      totalFailures: this.total,
      lastError: this.lastError,
    };
  }
}
