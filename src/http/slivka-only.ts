import type { RequestHandler } from 'express';
import { sendError } from './http-error';

/**
 * Damson-only API routes: the job listing, job and output event streams, and rerun. `<mount>` is
 * anything before `/api` (`server.prefix`); a path is matched without its query string.
 */
const DAMSON_ONLY = [
  /\/api(?:\/v1\.1)?\/jobs\/?$/,
  /\/api(?:\/v1\.1)?\/jobs\/[^/]+\/events\/?$/,
  /\/api(?:\/v1\.1)?\/jobs\/[^/]+\/files\/.+\/events\/?$/,
  /\/api(?:\/v1\.1)?\/jobs\/[^/]+\/rerun\/?$/,
];

/** Query keys slivka does not know: without them a job GET answers at once, as slivka's does. */
const DAMSON_QUERY_KEYS = new Set(['wait', 'status']);

/**
 * `api.slivka-only` (tests only): the server answers like a plain slivka v1.1 server, so clients'
 * fallback paths (polling instead of long-poll or SSE, no listing, no rerun, whole-file downloads)
 * run against a real server. Damson-only routes answer 404 as unknown routes do, `?wait=` and
 * `?status=` on a job GET are dropped, and `Range` is ignored (no 206, no `Accept-Ranges`).
 */
export function slivkaOnly(): RequestHandler {
  return (req, res, next) => {
    const [pathname, query] = splitUrl(req.url);
    if (DAMSON_ONLY.some((pattern) => pattern.test(pathname))) {
      sendError(res, 'not_found', 'not found');
      return;
    }
    if (query !== undefined && /\/api(?:\/v1\.1)?\/jobs\/[^/]+\/?$/.test(pathname)) {
      const kept = new URLSearchParams(query);
      for (const key of DAMSON_QUERY_KEYS) kept.delete(key);
      const rest = kept.toString();
      req.url = rest ? `${pathname}?${rest}` : pathname;
    }
    delete req.headers.range;
    delete req.headers['if-range'];
    const setHeader = res.setHeader.bind(res);
    res.setHeader = (name, value) =>
      name.toLowerCase() === 'accept-ranges' ? res : setHeader(name, value);
    next();
  };
}

function splitUrl(url: string): [string, string | undefined] {
  const at = url.indexOf('?');
  return at < 0 ? [url, undefined] : [url.slice(0, at), url.slice(at + 1)];
}
