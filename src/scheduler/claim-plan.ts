import { runnerKind } from '../jobs/runner-kind';
import type { ServiceCatalog } from '../services/service-catalog';
import { allocateSlots, type ShareCandidate } from './fair-share';
import { defaultRunner } from './select-runner';

/** Jobs that cannot be routed are still claimed (to be failed) in bounded batches. */
export const UNROUTABLE_BATCH = 64;

/**
 * How many due jobs of one service to claim now. `budgetRunner` is the runner whose breaker
 * capacity the plan already took for them (the service's usual runner), or null when none was
 * taken: dispatch asks the breaker only of a runner other than this one, so no job is counted
 * against a breaker twice and none escapes an open one.
 */
export interface ClaimBatch {
  service: string;
  count: number;
  budgetRunner: string | null;
}

export interface ClaimPlanContext {
  catalog: Pick<ServiceCatalog, 'get'>;
  /** Free slots per agent kind, on agents open to new work. */
  free: Map<string, number>;
  /** Jobs agents hold now, per service. */
  running: Map<string, number>;
  /** Whether an administrator's pause holds this service or this agent kind. */
  holds: (service: string, kind: string | undefined) => boolean;
  /** How many of `wanted` jobs the runner's breaker lets through now (takes the probes). */
  capacity: (service: string, runner: string, wanted: number) => number;
}

/**
 * Plans one tick's claims. Jobs are claimed by count, before they are read, so this is a budget,
 * not a routing: it reckons each service's jobs to go to its usual runner (its kind's free slots
 * and its breaker). Each job's route is decided once, at dispatch, from the job itself (see
 * route-job.ts); a job routed elsewhere than budgeted waits when that runner cannot take it.
 */
export function planClaims(
  due: readonly { service: string; due: number }[],
  ctx: ClaimPlanContext,
): ClaimBatch[] {
  const byKind = new Map<string, ShareCandidate[]>();
  const budget = new Map<string, string>();
  const batches: ClaimBatch[] = [];
  for (const { service: id, due: count } of due) {
    const service = ctx.catalog.get(id);
    const runner = service ? defaultRunner(service) : null;
    const kind = runner ? runnerKind(runner.type) : undefined;
    if (ctx.holds(id, kind)) continue;
    if (!service || !runner || !kind) {
      batches.push({ service: id, count: Math.min(count, UNROUTABLE_BATCH), budgetRunner: null });
      continue;
    }
    const allowed = ctx.capacity(service.id, runner.id, count);
    if (allowed === 0) continue;
    budget.set(id, runner.id);
    const list = byKind.get(kind) ?? [];
    list.push({
      service: id,
      due: allowed,
      running: ctx.running.get(id) ?? 0,
      weight: service.scheduling.weight,
    });
    byKind.set(kind, list);
  }
  for (const [kind, candidates] of byKind)
    for (const [service, count] of allocateSlots(ctx.free.get(kind) ?? 0, candidates))
      batches.push({ service, count, budgetRunner: budget.get(service) ?? null });
  return batches;
}
