import type { Logger } from '../lifecycle/logger';
import { runShutdown, type StopStep } from '../lifecycle/shutdown';

/**
 * SIGINT/SIGTERM run the process's shutdown steps once, then exit. A supervised child also exits
 * when its parent disappears, so a killed `damson start` leaves no orphans. The steps may be a
 * function, read when the signal comes: a process whose parts are still starting stops those
 * already running.
 */
export function onTerminate(log: Logger, steps: StopStep[] | (() => StopStep[])): void {
  let stopping = false;
  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'shutting down');
    runShutdown(typeof steps === 'function' ? steps() : steps, log)
      .catch((error) => log.error({ err: error }, 'shutdown failed'))
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (process.env.DAMSON_SUPERVISED === '1') {
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) stop('parent exited');
    }, 500).unref();
  }
}
