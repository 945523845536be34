import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Every local job runs under a tiny POSIX shell wrapper that records the tool's exit status in the
 * job directory. The wrapper outlives the agent, so an agent that restarts still learns how each
 * job it started before ended. The tool's argv is passed as positional parameters: the shell never
 * parses user values.
 */
const SCRIPT = '"$@"; s=$?; echo "$s" > ".damson-exit-${0##*:}"; exit "$s"';

export const WRAPPER_SHELL = '/bin/sh';

/** The wrapper's $0, visible in /proc/<pid>/cmdline: ties a pid to one attempt of one job. */
export function wrapperTag(jobId: string, fencingToken: number): string {
  return `damson-job:${jobId}:${fencingToken}`;
}

export function exitFileName(fencingToken: number): string {
  return `.damson-exit-${fencingToken}`;
}

export function wrapperArgs(jobId: string, fencingToken: number, argv: string[]): string[] {
  return ['-c', SCRIPT, wrapperTag(jobId, fencingToken), ...argv];
}

/** The recorded exit status, or null when the wrapper has not written one (yet). */
export function readExitFile(cwd: string, fencingToken: number): number | null {
  try {
    const text = readFileSync(path.join(cwd, exitFileName(fencingToken)), 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

/** Whether `pid` is still this attempt's wrapper (not a recycled pid). */
export function isWrapperAlive(pid: number, jobId: string, fencingToken: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.split('\0').includes(wrapperTag(jobId, fencingToken))) return false;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
