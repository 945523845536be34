import type { Job } from './job';

/** Reasons longer than this are cut: an engine's message may quote a whole script. */
const MAX_REASON_CHARS = 500;

/**
 * A message from an engine tool, made fit for a job's public `reason`: absolute paths (job
 * directories, spool files, configuration) become `…`, control characters and runs of spaces
 * become one space, and it is cut to a bounded length.
 */
export function publicReason(message: string): string {
  const text = message
    .replace(/(^|[\s'"=:(,])\/[^\s'"`,;)]*/g, '$1…')
    .replace(/[\p{Cc}\s]+/gu, ' ')
    .trim();
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS - 1)}…` : text;
}

/** The reason a job cancelled before any agent ran it ends with (DELETED). */
export const CANCELLED_BEFORE_START = 'cancelled before it started';

/**
 * The sentence a client reads for why a job is where it is: its recorded reason made public, or,
 * for an end other than COMPLETED that recorded none (a job written before reasons were kept), one
 * said from its state, exit code and cancel flag. Null when there is nothing to say.
 */
export function jobReason(
  job: Pick<Job, 'state' | 'reason' | 'exitCode' | 'cancelRequested'>,
): string | null {
  if (job.reason) return publicReason(job.reason);
  switch (job.state) {
    case 'FAILED':
      return job.exitCode === null ? 'the tool failed' : `exit status ${job.exitCode}`;
    case 'INTERRUPTED':
      return job.cancelRequested ? 'cancelled' : 'interrupted before it ended';
    case 'DELETED':
      return job.cancelRequested ? CANCELLED_BEFORE_START : 'deleted';
    case 'ERROR':
      return 'the job could not be run';
    case 'REJECTED':
      return 'no runner accepts this job';
    default:
      return null;
  }
}
