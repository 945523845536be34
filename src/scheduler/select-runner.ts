import type { RunnerSpec, Service } from '../services/service';

/**
 * The default selector: slivka picks the runner named `default`; where a service has none, Damson
 * picks its first runner instead of failing every job (a slivka trap).
 */
export function selectRunner(service: Service): RunnerSpec | null {
  return service.runners.find((r) => r.id === 'default') ?? service.runners[0] ?? null;
}
