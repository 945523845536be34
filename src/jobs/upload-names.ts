import { newJobId } from './job-id';

/**
 * An upload is written to `<directory.uploads>/.partial-<random>` and renamed to its upload id
 * only when the request commits. A file with this prefix is therefore never a finished upload:
 * if it is older than any request could take, a crash or kill left it and it may be deleted.
 * (Upload ids never start with a dot.)
 */
export const PARTIAL_UPLOAD_PREFIX = '.partial-';

export function newPartialUploadName(): string {
  return `${PARTIAL_UPLOAD_PREFIX}${newJobId()}`;
}

export function isPartialUploadName(fileName: string): boolean {
  return fileName.startsWith(PARTIAL_UPLOAD_PREFIX);
}

/**
 * Uploads with the same bytes share one file: each upload id is a hard link to
 * `<directory.uploads>/.by-content/<sha256>` (see src/http/shared-uploads.ts).
 */
export const SHARED_UPLOADS_DIRECTORY = '.by-content';
