import type { JobState } from '../jobs';

export interface ExitOutcome {
  state: JobState;
  reason: string | null;
}

/**
 * 0 COMPLETED, 127 (command not found) ERROR, killed by a signal INTERRUPTED, any other code
 * FAILED. Under the job wrapper (a POSIX shell) a tool killed by signal N exits with 128 + N, so
 * 129–192 count as signals, as shells report them.
 */
export function stateForExit(code: number | null, signal: NodeJS.Signals | null): ExitOutcome {
  if (signal !== null) return { state: 'INTERRUPTED', reason: `killed by ${signal}` };
  if (code === null) return { state: 'INTERRUPTED', reason: 'ended without an exit status' };
  if (code === 0) return { state: 'COMPLETED', reason: null };
  if (code === 127) return { state: 'ERROR', reason: 'command not found (exit status 127)' };
  if (code > 128 && code <= 192)
    return { state: 'INTERRUPTED', reason: `killed by signal ${code - 128}` };
  return { state: 'FAILED', reason: `exit status ${code}` };
}
