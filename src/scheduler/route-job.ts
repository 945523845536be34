import type { Job } from '../jobs';
import { runnerKind, type RunnerKind } from '../jobs/runner-kind';
import type { RunnerSpec, Service } from '../services/service';
import { selectRunner } from './select-runner';

export type Route =
  | { kind: 'runner'; runner: RunnerSpec; agentKind: RunnerKind }
  | { kind: 'refused'; state: 'ERROR' | 'REJECTED'; reason: string };

/**
 * The routing decision, made once per claimed job: the runner the service's selector picks for
 * this job (with the definition it was submitted with), and the kind of agent that runs it. The
 * claim before it only budgets (claim-plan.ts): it cannot route jobs it has not read yet.
 */
export async function routeJob(
  service: Service,
  job: Pick<Job, 'inputs' | 'parameters'>,
): Promise<Route> {
  const selection = await selectRunner(service, job);
  if (selection.kind !== 'runner') {
    const state = selection.kind === 'rejected' ? 'REJECTED' : 'ERROR';
    return { kind: 'refused', state, reason: selection.reason };
  }
  const runner = selection.runner;
  const agentKind = runnerKind(runner.type);
  if (!agentKind)
    return {
      kind: 'refused',
      state: 'ERROR',
      reason: `runner type '${runner.type}' is not supported`,
    };
  return { kind: 'runner', runner, agentKind };
}
