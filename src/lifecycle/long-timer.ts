import { performance } from 'node:perf_hooks';

/**
 * The longest delay Node's timers honour. A longer one (or a non-finite one) fires after 1 ms
 * with a TimeoutOverflowWarning, so a timer re-armed from such a delay spins and floods the log.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** A delay Node's timers keep: at least 0, at most MAX_TIMER_DELAY_MS (NaN counts as 0). */
export function timerDelayMs(delayMs: number): number {
  if (Number.isNaN(delayMs) || delayMs <= 0) return 0;
  return Math.min(delayMs, MAX_TIMER_DELAY_MS);
}

export interface LongTimeout {
  clear(): void;
}

/**
 * Calls `callback` once after `delayMs`, however long: delays past Node's limit are waited out in
 * steps of at most MAX_TIMER_DELAY_MS, measured on the monotonic clock so that a change of the
 * wall clock neither fires it early nor holds it back.
 */
export function setLongTimeout(callback: () => void, delayMs: number): LongTimeout {
  // An infinite delay never fires (it re-arms every ~24.8 days); NaN and negatives fire at once.
  const dueAt = performance.now() + (delayMs > 0 ? delayMs : 0);
  let timer: NodeJS.Timeout | undefined;
  let cleared = false;
  const fire = (): void => {
    if (cleared) return;
    if (performance.now() >= dueAt) callback();
    else arm();
  };
  const arm = (): void => {
    timer = setTimeout(fire, timerDelayMs(Math.ceil(dueAt - performance.now())));
  };
  arm();
  return {
    clear: () => {
      cleared = true;
      clearTimeout(timer);
    },
  };
}
