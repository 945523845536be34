import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from '../lifecycle/logger';
import {
  HTTP_ERRORS,
  StoreUnavailableError,
  type HttpErrorCode,
  type HttpStatusOf,
} from '../errors';
import { currentRequestId } from '../lifecycle/request-context';
import { newRequestId } from './request-id';

/**
 * An error with an HTTP status and a stable code; the message is safe to show to clients.
 * `details` join `code` and `message` in the `error` object (e.g. the name of a limit).
 * The code and its status are checked against the catalogue (src/errors/http-errors.ts).
 */
export class HttpError<C extends HttpErrorCode = HttpErrorCode> extends Error {
  constructor(
    readonly status: HttpStatusOf<C>,
    readonly code: C,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The codes answered with one status only, which the catalogue gives. */
type SingleStatusCode = {
  [C in HttpErrorCode]: (typeof HTTP_ERRORS)[C]['status'] extends number ? C : never;
}[HttpErrorCode];

/**
 * Answers with the catalogue's status for `code` and a JSON body of `fields` and the `error`
 * object: for the refusals that say more than the error (a 422's `errors` list).
 */
export function sendError(
  res: Response,
  code: SingleStatusCode,
  message: string,
  fields: Record<string, unknown> = {},
): void {
  res.status(HTTP_ERRORS[code].status).json({ ...fields, error: { code, message } });
}

export const notFound = (what: string): HttpError =>
  new HttpError(404, 'not_found', `${what} not found`);

export const unknownRoute: RequestHandler = (req, _res, next) =>
  next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`));

/** For a known path with a method it does not offer: 405 with `Allow` (OPTIONS gets 204). */
export function methodNotAllowed(allowed: string[]): RequestHandler {
  const allow = [...new Set([...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])])]
    .concat('OPTIONS')
    .join(', ');
  return (req, res, next) => {
    res.setHeader('Allow', allow);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next(
      new HttpError(405, 'method_not_allowed', `${req.method} is not allowed here; use ${allow}.`),
    );
  };
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || !error) return undefined;
  const status = (error as { status?: unknown; statusCode?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/** Maps anything thrown to an HttpError; unknown failures become a 500 with a request id. */
function toHttpError(error: unknown, log: Logger, where: Record<string, unknown>): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof StoreUnavailableError) {
    return new HttpError(
      503,
      'store_unavailable',
      'The job store is unavailable; retry shortly.',
      {},
      { 'Retry-After': '5' },
    );
  }
  const status = statusOf(error);
  if (status === 413) return new HttpError(413, 'too_large', 'The request body is too large.');
  if (status !== undefined && status >= 400 && status < 500) {
    return new HttpError(status, 'bad_request', 'The request could not be read.');
  }
  // Outside the requestId middleware (a bare app in a test), an id made here still ties the
  // client's body to the log line.
  const inRequest = currentRequestId();
  const requestId = inRequest ?? newRequestId();
  log.error({ err: error, ...(inRequest ? {} : { requestId }), ...where }, 'unhandled error');
  return new HttpError(500, 'internal', 'Internal server error.', { requestId });
}

/** One error handler: JSON bodies always, never a stack trace or a server path. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const http = toHttpError(error, log, { method: req.method, url: req.originalUrl });
    // A server-side failure answered with its own status (507, 503): the operator must hear of it.
    if (http.status >= 500 && http.cause !== undefined) {
      log.error({ err: http.cause, code: http.code, method: req.method }, http.message);
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(http.headers)) res.setHeader(name, value);
    res
      .status(http.status)
      .json({ error: { code: http.code, message: http.message, ...http.details } });
  };
}
