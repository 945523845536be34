import { createHash, randomBytes } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { ownerOf, type Job } from '../jobs';
import type { ApiToken } from '../config/api-settings';
import type { Settings } from '../config/settings';
import { clientHasScope } from './rate-limits';

/** The portal's session cookie: 32 random bytes, base64url. Its hash names the owner. */
export const SESSION_COOKIE = 'damson_session';
const SESSION_VALUE = /^[A-Za-z0-9_-]{43}$/;
/** Long enough for "My jobs" to outlive a browser restart; browsers cap it at 400 days. */
const SESSION_MAX_AGE_SECONDS = 180 * 24 * 3600;

/** The session cookie's value if the request carries a well-formed one, else null. */
export function sessionOf(req: Request): string | null {
  const header = req.headers.cookie;
  if (typeof header !== 'string' || header.length > 8192) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return SESSION_VALUE.test(value) ? value : null;
  }
  return null;
}

/** The client's address as the owner sees it: IPv4 mapped into IPv6 is the IPv4 address. */
function addressOf(req: Request): string {
  const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** The API token the request was identified by (rate-limits.ts), if any. */
function tokenOf(res: Response): ApiToken | null {
  return (res.locals.client as { token?: ApiToken | null } | undefined)?.token ?? null;
}

/**
 * Who owns what this request submits and whose jobs it lists: its API token's name; else the
 * portal's session cookie (hashed: the store never holds the cookie itself); else its address
 * (`req.ip`: X-Forwarded-For counts only from a trusted proxy, see `trust proxy` in create-app).
 */
export function requestOwner(req: Request, res: Response): string {
  const token = tokenOf(res);
  if (token) return ownerOf('token', token.name);
  const session = sessionOf(req);
  if (session) {
    const digest = createHash('sha256').update(session).digest('base64url').slice(0, 32);
    return ownerOf('session', digest);
  }
  return ownerOf('address', addressOf(req));
}

/** Whether the caller holds a token with the `admin` scope. */
export const isAdmin = (res: Response): boolean => clientHasScope(res, 'admin');

/**
 * Whether the caller may read this job: anyone who has its id, unless `api.private-jobs` is on;
 * then only its owner and admins. Callers answer a refusal exactly as a missing job (404), so a
 * job id never leaks by a different answer.
 */
export function mayReadJob(settings: Settings, req: Request, job: Pick<Job, 'owner'>): boolean {
  if (!settings.api.privateJobs) return true;
  // Express links each request to its response; only a request outside Express has none.
  const res = req.res;
  if (!res) return false;
  return isAdmin(res) || (job.owner !== null && job.owner === requestOwner(req, res));
}

/**
 * Gives a browser loading the portal's page its session cookie when it has none (or a malformed one):
 * random, HttpOnly (scripts never see it), SameSite=Lax (other sites' forms do not carry it),
 * Secure when the request came over https, scoped to the server's prefix.
 */
export function issueSession(prefix: string): RequestHandler {
  return (req, res, next) => {
    const page = req.path === '/' || req.path === '/index.html';
    if (page && (req.method === 'GET' || req.method === 'HEAD') && !sessionOf(req)) {
      const value = randomBytes(32).toString('base64url');
      const attributes = [
        `${SESSION_COOKIE}=${value}`,
        `Path=${prefix || '/'}`,
        `Max-Age=${SESSION_MAX_AGE_SECONDS}`,
        'HttpOnly',
        'SameSite=Lax',
        ...(req.secure ? ['Secure'] : []),
      ];
      res.append('Set-Cookie', attributes.join('; '));
    }
    next();
  };
}
