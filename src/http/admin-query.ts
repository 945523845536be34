import type { Request } from 'express';
import { HttpError } from './http-error';

/** Any text an admin route reads from its query is at most this long. */
export const MAX_QUERY_TEXT = 200;

export const badQuery = (parameter: string, message: string): HttpError =>
  new HttpError(400, 'invalid_query', message, { parameter });

/**
 * The query of an admin route, read strictly: an unknown parameter is refused (a misspelt filter
 * must not widen a bulk cancel to every job), each known one is given at most once, non-empty,
 * bounded and free of control characters.
 */
export function strictQuery(req: Request, known: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const [name, value] of Object.entries(req.query as Record<string, unknown>)) {
    if (!known.includes(name)) {
      const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
      throw badQuery(
        shown.replace(/[^\x20-\x7e]/g, '?'),
        `unknown parameter; expected one of ${known.join(', ')}`,
      );
    }
    if (typeof value !== 'string') throw badQuery(name, `'${name}' must be given once`);
    if (value === '') throw badQuery(name, `'${name}' must not be empty`);
    if (value.length > MAX_QUERY_TEXT)
      throw badQuery(name, `'${name}' is longer than ${MAX_QUERY_TEXT} characters`);
    if (/\p{Cc}/u.test(value)) throw badQuery(name, `'${name}' holds control characters`);
    values.set(name, value);
  }
  return values;
}

/** A `true`/`false` parameter; absent is `fallback`. */
export function booleanParameter(
  query: Map<string, string>,
  name: string,
  fallback: boolean,
): boolean {
  const value = query.get(name);
  if (value === undefined) return fallback;
  if (value !== 'true' && value !== 'false')
    throw badQuery(name, `'${name}' must be true or false`);
  return value === 'true';
}

/** A date (ISO 8601, e.g. 2026-01-31 or 2026-01-31T12:00:00Z). */
export function dateParameter(query: Map<string, string>, name: string): Date | undefined {
  const text = query.get(name);
  if (text === undefined) return undefined;
  const at = new Date(text);
  if (!/^\d{4}-\d\d-\d\d/.test(text) || Number.isNaN(at.getTime()))
    throw badQuery(name, `'${name}' must be a date, e.g. 2026-01-31 or 2026-01-31T12:00:00Z`);
  return at;
}
