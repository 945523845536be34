import { HttpError } from './http-error';
import type { PartWriteError } from './save-file-part';

/** Out of space or quota: the client may retry later, elsewhere or with less. */
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);

/**
 * The answer to a failed upload write: 507 when the disk or quota is full, 503 for any other
 * storage error (EIO, EMFILE, EACCES...). Never the errno text or a path; the error handler logs
 * the cause.
 */
export function storageFailure(error: PartWriteError): HttpError {
  const failure = NO_SPACE.has(error.code)
    ? new HttpError(
        507,
        'insufficient_storage',
        'The server has no space left to store this upload; try again later.',
      )
    : new HttpError(
        503,
        'storage_unavailable',
        'The server could not store this upload; try again later.',
        {},
        { 'Retry-After': '30' },
      );
  failure.cause = error.cause;
  return failure;
}
