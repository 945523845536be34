import type { Request, Response } from 'express';
import { MAX_OWNER_LENGTH } from '../jobs';
import { HttpError } from './http-error';
import { isAdmin, requestOwner } from './request-owner';

export interface ListingScope {
  /** Whose jobs the listing holds; absent: everyone's (an admin without `owner=`). */
  owner?: string;
  /** Admins see each job's owner (to filter by it); nobody else sees any owner. */
  showOwners: boolean;
}

/**
 * Whose jobs `GET /jobs` lists: the caller's own; an `admin` token lists everyone's, or one
 * owner's with `?owner=`. A non-admin asking for `owner=` is refused, never quietly given its own
 * jobs, so a script learns at once that it lacks the scope.
 */
export function listingScope(req: Request, res: Response): ListingScope {
  const asked = req.query.owner;
  const admin = isAdmin(res);
  if (asked === undefined)
    return admin ? { showOwners: true } : { owner: requestOwner(req, res), showOwners: false };
  if (!admin) {
    const identified = (res.locals.client as { token?: unknown } | undefined)?.token;
    throw new HttpError(
      identified ? 403 : 401,
      identified ? 'scope_required' : 'token_required',
      "Listing another owner's jobs (owner=) needs an API token with the 'admin' scope.",
      { parameter: 'owner', scope: 'admin' },
      identified ? {} : { 'WWW-Authenticate': 'Bearer' },
    );
  }
  if (typeof asked !== 'string' || asked.length === 0 || asked.length > MAX_OWNER_LENGTH)
    throw new HttpError(400, 'invalid_query', 'owner must be an owner as listed to admins', {
      parameter: 'owner',
    });
  return { owner: asked, showOwners: true };
}
