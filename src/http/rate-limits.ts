import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { ApiSettings, TokenScope } from '../config/api-settings';
import type { RateCounters } from '../store/access-records';
import { HttpError } from './http-error';
import { SharedRateStore } from './shared-rate-store';
import { inOrder, requireAccess } from './token-access';
import type { ResolvedToken, TokenResolver } from './token-resolver';
import { wellFormedToken } from './token-secret';

interface Client {
  key: string;
  token: ResolvedToken | null;
}

/** The token a request carries (`Authorization: Bearer …` or `X-API-Key`), or null. */
export function presentedToken(req: Request): string | null {
  const auth = req.headers.authorization;
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim() || null;
  const header = req.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() || null : null;
}

const clientOf = (res: Response): Client => res.locals.client as Client;

/** Whether the caller holds a token with `scope`. */
export function clientHasScope(res: Response, scope: TokenScope): boolean {
  const client = res.locals.client as Client | undefined;
  return client?.token?.scopes.includes(scope) ?? false;
}

const invalidToken = (): HttpError =>
  new HttpError(401, 'invalid_token', 'The API token is not valid.');

/**
 * Who is calling: an API token (`Authorization: Bearer …` or `X-API-Key`), from the settings or
 * made with `damson tokens`, names the client; otherwise the client is its address. An unknown,
 * revoked, expired or malformed token is refused rather than ignored, and with
 * `api.require-token` so is a request without one.
 */
export function identifyClient(settings: ApiSettings, resolver: TokenResolver): RequestHandler {
  return (req, res, next) => {
    const presented = presentedToken(req);
    const identified = (token: ResolvedToken | null): void => {
      if (presented && !token) {
        next(invalidToken());
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
    if (!presented) {
      identified(null);
      return;
    }
    if (!wellFormedToken(presented)) {
      next(invalidToken());
      return;
    }
    resolver.resolve(presented).then(identified, next);
  };
}

function limiter(
  windowMs: number,
  limitFor: (client: Client) => number,
  what: string,
  store: SharedRateStore,
): RequestHandler {
  return rateLimit({
    windowMs,
    store,
    limit: (_req, res) => limitFor(clientOf(res)),
    skip: (_req, res) => limitFor(clientOf(res)) === 0,
    keyGenerator: (_req, res) => {
      const client = clientOf(res);
      store.setCeiling(client.key, limitFor(client));
      return client.key;
    },
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
  if (clientOf(res)?.token) {
    next();
    return;
  }
  res.setHeader('WWW-Authenticate', 'Bearer');
  next(new HttpError(401, 'token_required', 'Listing jobs needs an API token on this server.'));
};

/**
 * Limits on all API requests and, separately, on submissions and uploads, per client, counted in
 * the store so that every server shares them. Any token (made with `damson tokens` too) may carry
 * its own limits, so the limiters are always installed; a client whose limit is 0 skips them at
 * no cost. `active` says whether anything is configured in the settings: when nothing is, the
 * lean status route may answer requests that carry no token.
 */
export function rateLimits(
  settings: ApiSettings,
  counters: RateCounters,
): {
  active: boolean;
  requests: RequestHandler;
  submissions: RequestHandler;
  /** Guards `GET /jobs`: token holders only when `api.list-jobs` is `token`; the `list` scope. */
  listing: RequestHandler;
} {
  const { windowMs, requests, submissions } = settings.rateLimit;
  const active =
    requests > 0 || submissions > 0 || settings.requireToken || settings.tokens.length > 0;
  return {
    active,
    requests: limiter(
      windowMs,
      (c) => c.token?.requests ?? requests,
      'requests',
      new SharedRateStore(counters, 'requests|'),
    ),
    // A token not for submitting is refused before it uses up any of its allowance.
    submissions: inOrder(
      requireAccess('submit'),
      limiter(
        windowMs,
        (c) => c.token?.submissions ?? submissions,
        'submissions',
        new SharedRateStore(counters, 'submissions|'),
      ),
    ),
    listing: inOrder(
      settings.listJobs === 'token' ? tokenHolders : passThrough,
      requireAccess('list'),
    ),
  };
}
