import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { isWellFormedId, jobDirectoryRelative, jobIdOfDirectory, type Job } from '../jobs';
import type { JobStore } from '../store/job-store';
import { confinedFile, isAgentRecord } from './job-outputs';

/** Deeper paths than any tool writes are refused before touching the disk. */
const MAX_FILE_SEGMENTS = 32;
const MAX_SEGMENT_LENGTH = 255;

/**
 * One decoded URL segment that can only name an entry of the directory it is looked up in: not
 * empty, not `.` or `..`, no separator of either kind (`%2F`, `%5C`) and no NUL, and never one of
 * the agents' own records.
 */
export function isPlainSegment(segment: string): boolean {
  return (
    segment.length > 0 &&
    segment.length <= MAX_SEGMENT_LENGTH &&
    segment !== '.' &&
    segment !== '..' &&
    !/[/\\\0]/.test(segment) &&
    !isAgentRecord(segment)
  );
}

/**
 * The real path of the file a jobs-path URL names, or null. The URL's decoded segments are
 * `<aa>/<bb>/<cccccccccccc>/<file...>`: the first three must have exactly the shape of a job
 * directory and name a job in the store, whose directory must resolve inside the real jobs
 * directory; the rest must be plain segments naming a regular file inside that job directory
 * after every symlink is followed.
 */
export async function jobMediaFile(
  store: JobStore,
  jobsDirectory: string,
  segments: readonly string[],
  /** Whether the caller may read this job (private jobs); a refusal is the same null. */
  mayRead: (job: Job) => boolean = () => true,
): Promise<string | null> {
  if (segments.length < 4 || segments.length > 3 + MAX_FILE_SEGMENTS) return null;
  const rest = segments.slice(3);
  if (!rest.every(isPlainSegment)) return null;
  const id = jobIdOfDirectory(segments.slice(0, 3).join('/'));
  if (!id) return null;
  const job = await store.getJob(id);
  if (!job || job.workDir !== jobDirectoryRelative(id) || !mayRead(job)) return null;
  let jobRoot: string;
  try {
    const jobsRoot = await realpath(jobsDirectory);
    jobRoot = await realpath(path.join(jobsRoot, job.workDir));
    if (!jobRoot.startsWith(jobsRoot + path.sep)) return null;
  } catch {
    return null;
  }
  return confinedFile(jobRoot, rest.join('/'));
}

/** The real path of a recorded upload named by its id, or null. */
export async function uploadMediaFile(
  store: JobStore,
  uploadsDirectory: string,
  segments: readonly string[],
): Promise<string | null> {
  if (segments.length !== 1 || !isWellFormedId(segments[0])) return null;
  // Only recorded uploads: a file still being received has no record yet.
  if (!(await store.getUpload(segments[0]))) return null;
  return confinedFile(uploadsDirectory, segments[0]);
}
