import type { JobState } from '../jobs';

export interface ExitOutcome {
  state: JobState;
  reason: string | null;
}

/**
 * 0 COMPLETED; 126 and 127 ERROR; killed by a signal INTERRUPTED; any other code FAILED. The tool
 * is exec'd by a POSIX shell (the job wrapper or the cluster job script), which exits 127 when the
 * program is not found (or its path is too long) and 126 when it cannot be executed (no execute
 * permission, a directory, not an executable format): the command could not be started, which is
 * the service's or the submission's error, never worth a retry. A tool killed by signal N exits
 * with 128 + N under the shell, so 129–192 count as signals, as shells report them.
 */
export function stateForExit(code: number | null, signal: NodeJS.Signals | null): ExitOutcome {
  if (signal !== null) return { state: 'INTERRUPTED', reason: `killed by ${signal}` };
  if (code === null) return { state: 'INTERRUPTED', reason: 'ended without an exit status' };
  if (code === 0) return { state: 'COMPLETED', reason: null };
  if (code === 127) {
    return {
      state: 'ERROR',
      reason: 'the command could not be started: the program was not found (exit status 127)',
    };
  }
  if (code === 126) {
    return {
      state: 'ERROR',
      reason: 'the command could not be started: the program cannot be executed (exit status 126)',
    };
  }
  if (code > 128 && code <= 192)
    return { state: 'INTERRUPTED', reason: `killed by signal ${code - 128}` };
  return { state: 'FAILED', reason: `exit status ${code}` };
}
