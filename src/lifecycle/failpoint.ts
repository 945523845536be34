import { writeSync } from 'node:fs';

/** What an armed point does: SIGKILL this process (with a probability), or hold it up a while. */
export type FailpointAction =
  { kind: 'kill'; probability: number } | { kind: 'delay'; delayMs: number };

/**
 * Parses `name[:probability],name:delay=MS,…`. A delay point holds the code that reaches it, so a
 * test can act (send SIGTERM, say) at a moment it could otherwise never catch.
 */
export function parseFailpoints(spec: string): Map<string, FailpointAction> {
  const points = new Map<string, FailpointAction>();
  for (const item of spec.split(',').filter(Boolean)) {
    const [name, argument] = item.split(':');
    if (argument?.startsWith('delay=')) {
      points.set(name, { kind: 'delay', delayMs: Number(argument.slice('delay='.length)) });
    } else {
      points.set(name, {
        kind: 'kill',
        probability: argument === undefined ? 1 : Number(argument),
      });
    }
  }
  return points;
}

/**
 * Crash testing: `DAMSON_FAILPOINT=name[:probability],…` makes this process SIGKILL itself when it
 * reaches a named point (always, or with the given probability). Unset in normal operation.
 */
const points = parseFailpoints(process.env.DAMSON_FAILPOINT ?? '');

export function failpoint(name: string): void {
  const action = points.get(name);
  if (action?.kind === 'kill' && Math.random() < action.probability) {
    // Written synchronously so the crash test can count which points fired.
    writeSync(2, `failpoint ${name}: SIGKILL\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}

/** Resolves at once unless `name` is armed as a delay; callers check isArmed first on hot paths. */
export async function delayPoint(name: string): Promise<void> {
  const action = points.get(name);
  if (action?.kind !== 'delay') return;
  writeSync(2, `failpoint ${name}: delay ${action.delayMs} ms\n`);
  await new Promise((resolve) => setTimeout(resolve, action.delayMs));
}

export function isArmed(name: string): boolean {
  return points.has(name);
}
