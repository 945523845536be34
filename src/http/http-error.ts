import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../lifecycle/logger';
import { StoreUnavailableError } from '../errors';

/** An error with an HTTP status and a stable code; the message is safe to show to clients. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string): HttpError =>
  new HttpError(404, 'not_found', `${what} not found`);

export const unknownRoute: RequestHandler = (req, _res, next) =>
  next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`));

/** One error handler: JSON bodies always, never a stack trace or a server path. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    let http: HttpError;
    if (error instanceof HttpError) http = error;
    else if (error instanceof StoreUnavailableError) {
      res.setHeader('Retry-After', '5');
      http = new HttpError(
        503,
        'store_unavailable',
        'The job store is unavailable; retry shortly.',
      );
    } else if (
      typeof error === 'object' &&
      error &&
      'type' in error &&
      (error as { type: string }).type === 'entity.too.large'
    ) {
      http = new HttpError(413, 'too_large', 'The request body is too large.');
    } else if (
      typeof error === 'object' &&
      error &&
      'status' in error &&
      typeof (error as { status: unknown }).status === 'number' &&
      (error as { status: number }).status < 500
    ) {
      http = new HttpError(
        (error as { status: number }).status,
        'bad_request',
        'The request could not be read.',
      );
    } else {
      log.error({ err: error, method: req.method, url: req.originalUrl }, 'unhandled error');
      http = new HttpError(500, 'internal', 'Internal server error.');
    }
    if (res.headersSent) return;
    res
      .status(http.status)
      .json({ error: { code: http.code, message: http.message }, ...http.extra });
  };
}
