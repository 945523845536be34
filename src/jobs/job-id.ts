import { randomBytes } from 'node:crypto';

/** 16 URL-safe characters from 12 random bytes: 96 bits, never derived from time or a counter. */
export function newJobId(): string {
  return randomBytes(12).toString('base64url');
}

/** Upload ids share the job id format so slivka clients treat them alike. */
export const newUploadId = newJobId;

const ID_PATTERN = /^[A-Za-z0-9_-]{16}$/;

export function isWellFormedId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/** slivka 0.8.5's layout: <id[-2:]>/<id[-4:-2]>/<id[:-4]>, relative to the jobs directory. */
export function jobDirectoryRelative(jobId: string): string {
  return `${jobId.slice(-2)}/${jobId.slice(-4, -2)}/${jobId.slice(0, -4)}`;
}
