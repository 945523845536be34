import type { Request } from 'express';
import { HttpError } from './http-error';

export interface SchedulingOptions {
  priority: number;
  notBefore: Date | null;
}

const MAX_PRIORITY = 1000;
const MAX_DELAY_MS = 366 * 24 * 3600 * 1000;

function single(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new HttpError(400, 'invalid_query', `'${name}' must be given once`, { parameter: name });
  }
  return value;
}

/**
 * Damson's scheduling hints on submission, as query parameters so they never collide with a
 * service's own parameter ids: `priority` (an integer, higher first) and `not-before` (an ISO
 * 8601 time, or a number of seconds from now) before which the job is not started. A priority
 * above 0 needs `mayRaisePriority` (a token with the `priority` scope).
 */
export function schedulingOptions(
  req: Request,
  mayRaisePriority: boolean,
  now = Date.now(),
): SchedulingOptions {
  const priorityText = single(req, 'priority');
  let priority = 0;
  if (priorityText !== undefined) {
    priority = Number(priorityText);
    if (!/^-?\d+$/.test(priorityText) || Math.abs(priority) > MAX_PRIORITY) {
      throw new HttpError(
        400,
        'invalid_query',
        `'priority' must be an integer from -${MAX_PRIORITY} to ${MAX_PRIORITY}`,
        { parameter: 'priority' },
      );
    }
    // Raising one's own jobs above everyone else's is a privilege: anonymous clients may only
    // lower theirs. Refused before the body is read, so nothing is stored.
    if (priority > 0 && !mayRaisePriority) {
      throw new HttpError(
        403,
        'priority_not_allowed',
        "'priority' above 0 needs an API token with the 'priority' scope",
        { parameter: 'priority' },
      );
    }
  }
  const notBeforeText = single(req, 'not-before');
  let notBefore: Date | null = null;
  if (notBeforeText !== undefined) {
    notBefore = /^\d+(\.\d+)?$/.test(notBeforeText)
      ? new Date(now + Number(notBeforeText) * 1000)
      : new Date(notBeforeText);
    if (Number.isNaN(notBefore.getTime()) || notBefore.getTime() - now > MAX_DELAY_MS) {
      throw new HttpError(
        400,
        'invalid_query',
        "'not-before' must be an ISO 8601 time or seconds from now, at most a year ahead",
        { parameter: 'not-before' },
      );
    }
  }
  return { priority, notBefore };
}
