import { writeSync } from 'node:fs';

/**
 * Crash testing: `DAMSON_FAILPOINT=name[:probability],…` makes this process SIGKILL itself when it
 * reaches a named point (always, or with the given probability). Unset in normal operation.
 */
const points = new Map<string, number>(
  (process.env.DAMSON_FAILPOINT ?? '')
    .split(',')
    .filter(Boolean)
    .map((item) => {
      const [name, probability] = item.split(':');
      return [name, probability === undefined ? 1 : Number(probability)];
    }),
);

export function failpoint(name: string): void {
  const probability = points.get(name);
  if (probability !== undefined && Math.random() < probability) {
    // Written synchronously so the crash test can count which points fired.
    writeSync(2, `failpoint ${name}: SIGKILL\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}

export function isArmed(name: string): boolean {
  return points.has(name);
}
