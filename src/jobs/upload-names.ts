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
