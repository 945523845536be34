import type { RequestHandler, Response } from 'express';
import type { TokenScope } from '../config/api-settings';
import { HttpError } from './http-error';

/** The scopes that say what a token may be used for; a token naming none of them may do both. */
export const ACCESS_SCOPES = ['submit', 'list'] as const;
export type AccessScope = (typeof ACCESS_SCOPES)[number];

const WHAT: Record<AccessScope, string> = {
  submit: 'submit jobs, reruns, pipelines or uploads',
  list: 'list jobs',
};

/**
 * Whether a token with `scopes` may be used for `access`. Scopes were only ever grants of more
 * (`priority`, `admin`), so a token whose list names neither `submit` nor `list` keeps doing
 * both, as before these scopes existed; one that names either may do only what it names. `admin`
 * may do everything.
 */
export function tokenAllows(scopes: readonly TokenScope[], access: AccessScope): boolean {
  if (scopes.includes('admin') || scopes.includes(access)) return true;
  return !ACCESS_SCOPES.some((s) => scopes.includes(s));
}

/**
 * Refuses, with 403 `scope_required` naming the scope, a request whose token is not for `access`.
 * Requests without a token are left to the other rules (`api.require-token`, `api.list-jobs`).
 */
export function requireAccess(access: AccessScope): RequestHandler {
  return (_req, res: Response, next) => {
    const client = res.locals.client as { token?: { scopes: TokenScope[] } | null } | undefined;
    const token = client?.token;
    if (!token || tokenAllows(token.scopes, access)) {
      next();
      return;
    }
    next(
      new HttpError(
        403,
        'scope_required',
        `This token may not ${WHAT[access]}: it lacks the '${access}' scope.`,
        {
          scope: access,
        },
      ),
    );
  };
}

/** Runs `first`, then `second` unless `first` passed an error on. */
export function inOrder(first: RequestHandler, second: RequestHandler): RequestHandler {
  return (req, res, next) => {
    first(req, res, (error?: unknown) => {
      if (error !== undefined && error !== null) {
        next(error);
        return;
      }
      void second(req, res, next);
    });
  };
}
