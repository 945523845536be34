import { randomBytes } from 'node:crypto';

const ID_BYTES = 12;
/**
 * Random bytes are drawn from the CSPRNG in blocks: one call per id costs more than the rest of
 * making it, and a busy server makes two per submission. Each byte is used once.
 */
const POOL_BYTES = ID_BYTES * 256;
let pool = Buffer.alloc(0);
let poolOffset = 0;

/**
 * 16 URL-safe characters from 12 random bytes: 96 bits, never derived from time or a counter.
 * Never starting with `-`: a command line would read such an id as an option (`damson jobs wait
 * -Ab…` is an unknown option), so one in 64 draws is drawn again.
 */
export function newJobId(): string {
  for (;;) {
    if (poolOffset + ID_BYTES > pool.length) {
      pool = randomBytes(POOL_BYTES);
      poolOffset = 0;
    }
    const id = pool.toString('base64url', poolOffset, poolOffset + ID_BYTES);
    poolOffset += ID_BYTES;
    if (!id.startsWith('-')) return id;
  }
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

const SHORT_SEGMENT = /^[A-Za-z0-9_-]{2}$/;
const LONG_SEGMENT = /^[A-Za-z0-9_-]{12}$/;

/**
 * The job id a work-directory path names, when it has exactly the shape jobDirectoryRelative
 * gives (`aa/bb/cccccccccccc`); otherwise null. No other path maps to an id.
 */
export function jobIdOfDirectory(relative: string): string | null {
  const parts = relative.split('/');
  if (parts.length !== 3) return null;
  const [last, middle, first] = parts;
  if (!SHORT_SEGMENT.test(last) || !SHORT_SEGMENT.test(middle) || !LONG_SEGMENT.test(first))
    return null;
  return `${first}${middle}${last}`;
}
