import type { ClusterEngine, SubmitRequest } from './cluster-engine';
import { isTransient, withBackoff, type BackoffOptions } from './engine-tool';
import type { ToolHealth } from './tool-health';

export const DEFAULT_SUBMIT_BACKOFF: BackoffOptions = {
  attempts: 4,
  initialDelayMs: 500,
  maxDelayMs: 5000,
};

/**
 * Submits one attempt, retrying with backoff while the failure may pass. A submit that failed may
 * still have reached the engine (the answer was lost, not the job), so every retry first looks
 * for the attempt's unique name: no attempt is ever submitted twice. Failures that may pass count
 * as tool failures.
 */
export function submitAttempt(
  engine: ClusterEngine,
  request: SubmitRequest & { backoff: BackoffOptions; health: ToolHealth },
): Promise<string> {
  const { backoff, health, ...submit } = request;
  return withBackoff(
    async (tryNumber) => {
      if (tryNumber > 1) {
        const found = [...(await engine.list()).values()].find((j) => j.name === submit.name);
        if (found) return found.id;
      }
      return engine.submit(submit);
    },
    backoff,
    // The engine refusing this request (bad option, unknown partition) is this job's problem, not
    // the engine's: it reaches the breaker as a refused dispatch of this service alone.
    (error) => {
      if (isTransient(error)) health.failed(error);
    },
    isTransient,
  );
}
