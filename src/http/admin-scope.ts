import type { Response } from 'express';
import { HttpError } from './http-error';
import { clientHasScope } from './rate-limits';

/**
 * The name of the token calling an admin route: 401 without a token (or on a server with none
 * configured), 403 with a token lacking the `admin` scope. The name goes into every admin log line.
 */
export function adminCaller(res: Response): string {
  const client = res.locals.client as { token?: { name: string } | null } | undefined;
  if (!client?.token) {
    throw new HttpError(
      401,
      'token_required',
      "The admin API needs an API token with the 'admin' scope.",
      {},
      { 'WWW-Authenticate': 'Bearer' },
    );
  }
  if (!clientHasScope(res, 'admin'))
    throw new HttpError(
      403,
      'scope_required',
      "The admin API needs a token with the 'admin' scope.",
      {
        scope: 'admin',
      },
    );
  return client.token.name;
}
