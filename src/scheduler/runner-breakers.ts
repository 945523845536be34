import type { BreakerSettings } from '../config/settings';
import type { Logger } from '../lifecycle/logger';
import type { BreakerState, ServiceRecordStore } from '../store/job-store';
import { CircuitBreaker } from './circuit-breaker';

/** One circuit breaker per (service, runner); every change is logged and saved for service status. */
export class RunnerBreakers {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(
    private readonly store: ServiceRecordStore,
    private readonly settings: BreakerSettings,
    private readonly log: Logger,
  ) {}

  private get(service: string, runner: string): CircuitBreaker {
    const key = `${service}/${runner}`;
    let breaker = this.breakers.get(key);
    if (!breaker) {
      breaker = new CircuitBreaker(this.settings);
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  /** Every breaker this scheduler has used, with its state now (metrics). */
  states(): { service: string; runner: string; state: BreakerState }[] {
    return [...this.breakers].map(([key, breaker]) => {
      const at = key.indexOf('/');
      return {
        service: key.slice(0, at),
        runner: key.slice(at + 1),
        state: breaker.snapshot().state,
      };
    });
  }

  capacity(service: string, runner: string, now: number, wanted: number): number {
    const breaker = this.breakers.get(`${service}/${runner}`);
    if (!breaker) return wanted;
    const before = breaker.snapshot().state;
    const allowed = breaker.capacity(now, wanted);
    if (breaker.snapshot().state !== before) this.changed(service, runner, breaker);
    return allowed;
  }

  success(service: string, runner: string): void {
    const breaker = this.breakers.get(`${service}/${runner}`);
    if (breaker?.success()) this.changed(service, runner, breaker);
  }

  failure(service: string, runner: string, reason: string, inARow = 0): void {
    const breaker = this.get(service, runner);
    const opened = breaker.failure(reason, Date.now(), inARow);
    if (opened || breaker.snapshot().consecutiveFailures === 1)
      this.changed(service, runner, breaker);
  }

  private changed(service: string, runner: string, breaker: CircuitBreaker): void {
    const snap = breaker.snapshot();
    const level = snap.state === 'closed' ? 'info' : 'warn';
    this.log[level](
      {
        service,
        runner,
        breaker: snap.state,
        failures: snap.consecutiveFailures,
        retryAt: snap.retryAt === null ? null : new Date(snap.retryAt).toISOString(),
        lastError: snap.lastError,
      },
      `runner circuit breaker ${snap.state}`,
    );
    void this.store
      .saveRunnerHealth({
        service,
        runner,
        state: snap.state,
        consecutiveFailures: snap.consecutiveFailures,
        retryAt: snap.retryAt === null ? null : new Date(snap.retryAt),
        lastError: snap.lastError,
        updatedAt: new Date(),
      })
      .catch((error) => this.log.warn({ err: error }, 'cannot save runner health'));
    if (snap.state === 'closed' && snap.consecutiveFailures > 0) return;
    // The service status shows the breaker too: the latest observation per runner wins.
    const retry =
      snap.retryAt === null ? '' : `; next probe at ${new Date(snap.retryAt).toISOString()}`;
    void this.store
      .recordServiceStatus({
        service,
        runner,
        status: snap.state === 'open' ? 'DOWN' : snap.state === 'half-open' ? 'WARNING' : 'OK',
        message:
          snap.state === 'closed'
            ? ''
            : `circuit breaker ${snap.state} after infrastructure failures (last: ${snap.lastError})${retry}`,
        recordedAt: new Date(),
      })
      .catch((error) => this.log.warn({ err: error }, 'cannot record the service status'));
  }
}
