import {
  schedulerHeard,
  servicesLoaded,
  storeReachable,
  type ReadinessCheck,
} from '../lifecycle/readiness';
import { SCHEDULER_ROLE } from '../store/operations-records';
import type { AppContext } from './app-context';

/** A server is ready when the store answers, a scheduler is alive, and the services loaded. */
export function serverReadiness(ctx: AppContext): Record<string, ReadinessCheck> {
  return {
    store: storeReachable(() => ctx.store.ping()),
    scheduler: schedulerHeard(
      () => ctx.store.operations.lastHeartbeat(SCHEDULER_ROLE),
      ctx.settings.scheduler.heartbeatIntervalMs,
    ),
    services: servicesLoaded(() => ctx.catalog.loadFailures()),
  };
}
