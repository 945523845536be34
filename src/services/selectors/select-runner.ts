import type { Job } from '../../jobs';
import { truthy } from '../condition/evaluator';
import type { RunnerSpec, Service } from '../service';
import { loadSelectorFunction } from './load-selector-module';
import { selectorValues } from './selector-values';

export type Selection =
  | { kind: 'runner'; runner: RunnerSpec }
  | { kind: 'rejected'; reason: string }
  | { kind: 'error'; reason: string };

/**
 * slivka picks the runner named `default`; where a service has none, Damson picks its first
 * runner instead of failing every job (a slivka trap).
 */
export function defaultRunner(service: Service): RunnerSpec | null {
  return service.runners.find((r) => r.id === 'default') ?? service.runners[0] ?? null;
}

function byId(service: Service, id: string | null | undefined, origin: string): Selection {
  if (id === null || id === undefined) {
    return { kind: 'rejected', reason: `the ${origin} accepts no runner for this job` };
  }
  const runner = service.runners.find((r) => r.id === id);
  if (!runner)
    return { kind: 'error', reason: `the ${origin} chose '${String(id)}', which is not a runner` };
  return { kind: 'runner', runner };
}

/** Picks the runner for a job with the service's selector; never throws. */
export async function selectRunner(
  service: Service,
  job: Pick<Job, 'inputs' | 'parameters'>,
): Promise<Selection> {
  const selector = service.selector;
  if (selector.kind === 'default')
    return byId(service, defaultRunner(service)?.id, 'default selector');
  if (selector.kind === 'rules') {
    const values = selectorValues(service.parameters, job.parameters);
    const rule = selector.rules.find((r) => truthy(r.condition.evaluate(values, null)));
    return byId(service, rule ? rule.runner : selector.fallback, 'selector');
  }
  try {
    const select = await loadSelectorFunction(selector.modulePath, selector.exportName);
    const chosen = await select(job.inputs, {
      service: service.id,
      runners: service.runners.map((r) => r.id),
      runnerOptions: Object.fromEntries(service.runners.map((r) => [r.id, r.selectorOptions])),
      parameters: job.parameters,
    });
    if (chosen !== null && chosen !== undefined && typeof chosen !== 'string') {
      return { kind: 'error', reason: `the selector returned ${typeof chosen}, not a runner id` };
    }
    return byId(service, chosen, `selector ${selector.exportName}()`);
  } catch (error) {
    return { kind: 'error', reason: `the selector failed: ${(error as Error).message}` };
  }
}
