/** How a failed launch of a local job ends its attempt. */
export interface LaunchFailure {
  reason: string;
  /**
   * True for a failure of the host (the scheduler retries the job and counts it against the
   * runner's circuit breaker); false for a failure this job will meet on every attempt (it ends
   * ERROR at once, and the runner is not blamed).
   */
  lost: boolean;
}

const CANNOT_START = 'the command could not be started';

/**
 * Errors that come from the job itself: its argv or environment cannot be given to exec(2).
 * The same job fails the same way on any host, so a retry only wastes an attempt, and counting it
 * against the breaker would let anyone who can submit a job hold back everyone else's.
 */
const JOB_ERRORS: Record<string, string> = {
  // Node refuses a NUL byte in argv, env or cwd before it forks; `ERR_INVALID_ARG_TYPE` cannot
  // happen for strings, but is the same kind of mistake.
  ERR_INVALID_ARG_VALUE: 'a value contains a NUL byte, which a command line cannot carry',
  ERR_INVALID_ARG_TYPE: 'a value cannot be passed on a command line',
  // One argument over 128 KiB, or argv + environment over the kernel's limit (ARG_MAX).
  E2BIG: 'the argument list is too long (E2BIG)',
  ENAMETOOLONG: 'a file name is too long (ENAMETOOLONG)',
};

/**
 * Errors of the host: the wrapper shell or the job directory is missing or unusable, or the host
 * is out of processes, memory or descriptors. Another attempt (perhaps on another agent) may
 * succeed, and the breaker should see them. The tool itself is exec'd by the wrapper shell, so a
 * missing or non-executable tool is never one of these: it shows as exit status 127 or 126.
 */
const HOST_ERRORS: Record<string, string> = {
  EAGAIN: 'the host cannot create more processes (EAGAIN)',
  ENOMEM: 'the host is out of memory (ENOMEM)',
  EMFILE: 'the agent has too many open files (EMFILE)',
  ENFILE: 'the host has too many open files (ENFILE)',
  ENOENT: 'the job shell or the job directory is missing (ENOENT)',
  EACCES: 'the job shell or the job directory cannot be used (EACCES)',
  ENOEXEC: 'the job shell cannot be executed (ENOEXEC)',
  ENOSPC: 'the disk is full (ENOSPC)',
  EDQUOT: 'the disk quota is exhausted (EDQUOT)',
  EIO: 'a disk error (EIO)',
  EROFS: 'the file system is read-only (EROFS)',
};

/**
 * Classifies what spawn (or opening the job's stdout and stderr) threw or emitted. Only the error
 * code is used: Node's message may quote the offending value or a server path, neither of which
 * belongs in the reason a user reads. Unknown codes count as the host's (retried, capped), which
 * errs on the side of the old behaviour.
 */
export function classifyLaunchError(error: unknown): LaunchFailure {
  const code =
    typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : '';
  const own = Object.hasOwn(JOB_ERRORS, code) ? JOB_ERRORS[code] : undefined;
  if (own) return { reason: `${CANNOT_START}: ${own}`, lost: false };
  const host = Object.hasOwn(HOST_ERRORS, code) ? HOST_ERRORS[code] : undefined;
  return {
    reason: `${CANNOT_START}: ${host ?? `launch failed (${code || 'unknown error'})`}`,
    lost: true,
  };
}
