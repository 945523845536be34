import type { Registry } from 'prom-client';
import type { Settings } from '../config/settings';
import type { Logger } from '../lifecycle/logger';
import { MetricsServer } from '../lifecycle/metrics-server';
import { servicesLoaded, storeReachable } from '../lifecycle/readiness';
import type { ServiceCatalog } from '../services/service-catalog';
import type { JobStore } from '../store/job-store';

/**
 * The scheduler's `/metrics`, `/healthz` and `/readyz` at `metrics.scheduler-address`; ready when
 * the store answers and the services loaded. Null when the address is off or taken.
 */
export async function serveMetrics(
  settings: Settings,
  registry: Registry | undefined,
  store: JobStore,
  catalog: ServiceCatalog,
  log: Logger,
): Promise<MetricsServer | null> {
  const address = settings.metrics.schedulerAddress;
  if (!address || !registry) return null;
  const server = new MetricsServer(
    {
      registry,
      readiness: {
        store: storeReachable(() => store.ping()),
        services: servicesLoaded(() => catalog.loadFailures()),
      },
    },
    log,
  );
  return (await server.listen(address)) === null ? null : server;
}
