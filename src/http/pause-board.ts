import { isAwaitingClaim, publicReason, type Job } from '../jobs';
import { runnerKind } from '../jobs/runner-kind';
import { defaultRunner } from '../services/selectors/select-runner';
import type { ServiceCatalog } from '../services/service-catalog';
import type { PauseRecord } from '../store/admin-records';
import type { JobStore } from '../store/job-store';

/**
 * The pauses an administrator set, as the server tells clients why a job waits. Read from the store
 * at most every `cacheMs`, since every status request of a waiting job asks; a failed read keeps
 * the last known pauses (a job's status must not fail for it).
 */
export class PauseBoard {
  private pauses: PauseRecord[] = [];
  private readAt = -Infinity;
  private reading: Promise<void> | null = null;

  constructor(
    private readonly store: JobStore,
    private readonly catalog: ServiceCatalog,
    private readonly cacheMs = 1000,
  ) {}

  /** Forgets the cache: this server just changed a pause. */
  invalidate(): void {
    this.readAt = -Infinity;
  }

  private async current(nowMs: number): Promise<PauseRecord[]> {
    if (nowMs - this.readAt >= this.cacheMs) {
      this.reading ??= this.store.admin
        .listPauses()
        .then(
          (pauses) => {
            this.pauses = pauses;
            this.readAt = Date.now();
          },
          () => undefined,
        )
        .finally(() => (this.reading = null));
      await this.reading;
    }
    return this.pauses;
  }

  /** Why a job awaiting a claim waits on a pause; null when nothing it needs is paused. */
  async holdReason(job: Job, nowMs = Date.now()): Promise<string | null> {
    if (!isAwaitingClaim(job)) return null;
    const pauses = await this.current(nowMs);
    if (pauses.length === 0) return null;
    const service = this.catalog.get(job.service);
    const runner = service ? defaultRunner(service) : null;
    const kind = runner ? runnerKind(runner.type) : undefined;
    const pause = pauses.find(
      (p) =>
        (p.kind === 'service' && p.name === job.service) ||
        (p.kind === 'runner' && p.name === kind),
    );
    if (!pause) return null;
    const what = pause.kind === 'service' ? `service '${pause.name}'` : `the ${pause.name} runner`;
    const why = pause.reason ? `: ${pause.reason}` : '';
    return publicReason(`waiting: ${what} is paused by an administrator${why}`);
  }
}
