import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Every local job runs under a tiny POSIX shell wrapper that records the tool's exit status in the
 * job directory. The wrapper outlives the agent, so an agent that restarts still learns how each
 * job it started before ended. The tool's argv is passed as positional parameters: the shell never
 * parses user values.
 */
const SCRIPT = '"$@"; s=$?; echo "$s" > ".damson-exit-${0##*:}"; exit "$s"';

/**
 * POSIX `ulimit -f` counts 512-byte blocks (dash, busybox ash, and bash when run as `sh`). The
 * limit is set one block past the quota, so a file that reaches it is over the quota by at least a
 * byte: the agent can tell "stopped at the quota" from "wrote exactly the quota".
 */
export function fileSizeLimitBlocks(quotaBytes: number): number {
  return Math.floor(quotaBytes / 512) + 1;
}

export const WRAPPER_SHELL = '/bin/sh';

/** The wrapper's $0, visible in /proc/<pid>/cmdline: ties a pid to one attempt of one job. */
export function wrapperTag(jobId: string, fencingToken: number): string {
  return `damson-job:${jobId}:${fencingToken}`;
}

export function exitFileName(fencingToken: number): string {
  return `.damson-exit-${fencingToken}`;
}

/**
 * The wrapper first sets RLIMIT_FSIZE for itself and everything the tool starts: no single file
 * the job writes can pass the output quota (the kernel sends SIGXFSZ, or the write fails with
 * EFBIG where the tool ignores that signal). Should the shell refuse (a lower hard limit set by the
 * admin), the lower limit stands and the tool still runs.
 */
export function wrapperArgs(
  jobId: string,
  fencingToken: number,
  argv: string[],
  quotaBytes: number,
): string[] {
  const blocks = fileSizeLimitBlocks(quotaBytes);
  const script = `ulimit -f ${blocks} 2>/dev/null; ${SCRIPT}`;
  return ['-c', script, wrapperTag(jobId, fencingToken), ...argv];
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
