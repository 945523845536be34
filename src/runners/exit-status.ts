import type { JobState } from '../jobs';

/** 0 COMPLETED, 127 (command not found) ERROR, any other code FAILED, killed by a signal INTERRUPTED. */
export function stateForExit(code: number | null, signal: NodeJS.Signals | null): JobState {
  if (signal !== null || code === null) return 'INTERRUPTED';
  if (code === 0) return 'COMPLETED';
  if (code === 127) return 'ERROR';
  return 'FAILED';
}
