import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { ApiSettings, ApiToken, TokenScope } from '../config/api-settings';
import { HttpError } from './http-error';

interface Client {
  key: string;
  token: ApiToken | null;
}

function presentedToken(req: Request): string | null {
  const auth = req.headers.authorization;
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  const header = req.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : null;
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const clientOf = (res: Response): Client => res.locals.client as Client;

/**
 * Whether the caller holds a token with `scope`. Without any configured token the client is never
 * identified (res.locals.client is unset), and nobody holds a scope.
 */
export function clientHasScope(res: Response, scope: TokenScope): boolean {
  const client = res.locals.client as Client | undefined;
  return client?.token?.scopes?.includes(scope) ?? false;
}

/**
 * Who is calling: a configured API token (`Authorization: Bearer …` or `X-API-Key`) names the
 * client; otherwise the client is its address. An unknown token is refused rather than ignored,
 * and with `api.require-token` so is a request without one.
 */
export function identifyClient(settings: ApiSettings): RequestHandler {
  return (req, res, next) => {
    const presented = presentedToken(req);
    const token = presented
      ? (settings.tokens.find((t) => sameSecret(t.token, presented)) ?? null)
      : null;
    if (presented && !token) {
      next(new HttpError(401, 'invalid_token', 'The API token is not valid.'));
      return;
    }
    if (!token && settings.requireToken) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      next(new HttpError(401, 'token_required', 'This server requires an API token.'));
      return;
    }
    const client: Client = token
      ? { key: `token:${token.name}`, token }
      : { key: `ip:${ipKeyGenerator(req.ip ?? '')}`, token: null };
    res.locals.client = client;
    next();
  };
}

function limiter(
  windowMs: number,
  limitFor: (client: Client) => number,
  what: string,
): RequestHandler {
  return rateLimit({
    windowMs,
    limit: (_req, res) => limitFor(clientOf(res)),
    skip: (_req, res) => limitFor(clientOf(res)) === 0,
    keyGenerator: (_req, res) => clientOf(res).key,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req, _res, next) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = Math.max(
        1,
        Math.ceil(((reset?.getTime() ?? Date.now()) - Date.now()) / 1000),
      );
      next(
        new HttpError(
          429,
          'rate_limited',
          `Too many ${what}; retry in ${seconds} s.`,
          {},
          { 'Retry-After': String(seconds) },
        ),
      );
    },
  });
}

const passThrough: RequestHandler = (_req, _res, next) => next();

const tokenHolders: RequestHandler = (_req, res, next) => {
  if (clientOf(res).token) {
    next();
    return;
  }
  res.setHeader('WWW-Authenticate', 'Bearer');
  next(new HttpError(401, 'token_required', 'Listing jobs needs an API token on this server.'));
};

/** `api.list-jobs: token` on a server with no token configured: nobody can list. */
const nobody: RequestHandler = (_req, res, next) => {
  res.setHeader('WWW-Authenticate', 'Bearer');
  next(new HttpError(401, 'token_required', 'Listing jobs needs an API token on this server.'));
};

/**
 * Limits on all API requests and, separately, on submissions and uploads, per client. With no
 * token, no limit and no required token configured, nothing is installed (`active` is false).
 */
export function rateLimits(settings: ApiSettings): {
  active: boolean;
  requests: RequestHandler;
  submissions: RequestHandler;
  /** Guards `GET /jobs` when `api.list-jobs` is `token`. */
  listing: RequestHandler;
} {
  const { windowMs, requests, submissions } = settings.rateLimit;
  // Without tokens no client can be told apart, so `list-jobs: token` needs no identification:
  // the listing is closed to all, and the lean status route stays on.
  const active =
    requests > 0 || submissions > 0 || settings.requireToken || settings.tokens.length > 0;
  if (!active) {
    const listing = settings.listJobs === 'token' ? nobody : passThrough;
    return { active, requests: passThrough, submissions: passThrough, listing };
  }
  return {
    active,
    requests: limiter(windowMs, (c) => c.token?.requests ?? requests, 'requests'),
    submissions: limiter(windowMs, (c) => c.token?.submissions ?? submissions, 'submissions'),
    listing: settings.listJobs === 'token' ? tokenHolders : passThrough,
  };
}
