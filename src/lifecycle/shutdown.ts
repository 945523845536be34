import type { Logger } from './logger';

export type StopStep = { name: string; run: () => Promise<void> | void };

/**
 * The one shutdown path of a process: steps run in order (stop intake, drain, release), each
 * bounded in time so a stuck step cannot keep the process alive.
 */
export async function runShutdown(
  steps: StopStep[],
  log: Logger,
  stepTimeoutMs = 5000,
): Promise<void> {
  for (const step of steps) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), stepTimeoutMs);
    });
    try {
      const outcome = await Promise.race([
        Promise.resolve(step.run()).then(() => 'done' as const),
        timeout,
      ]);
      if (outcome === 'timeout') log.warn({ step: step.name }, 'shutdown step timed out');
    } catch (error) {
      log.warn({ err: error, step: step.name }, 'shutdown step failed');
    } finally {
      clearTimeout(timer);
    }
  }
}
