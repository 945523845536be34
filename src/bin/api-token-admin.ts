import { TOKEN_SCOPES, type ApiSettings, type TokenScope } from '../config/api-settings';
import { hashTokenSecret, newTokenSecret } from '../http/token-secret';
import type { StoredToken, TokenRecords } from '../store/access-records';

/** A token name: shown in logs, rate-limit keys and job owners, so kept plain and short. */
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

const DAY_MS = 86_400_000;
/** The longest lifetime `--expires` accepts: ten years. */
const MAX_LIFETIME_MS = 3650 * DAY_MS;

/** A refusal of the operator's input; the command prints it and exits 1. */
export class TokenAdminError extends Error {}

export interface NewTokenRequest {
  name: string;
  /** `--scope a,b` as typed. */
  scopes?: string;
  /** `--expires 90d`, `12h` or a date (`2027-01-31`, `2027-01-31T12:00:00Z`). */
  expires?: string;
  requests?: number;
  submissions?: number;
}

export function checkTokenName(name: string): string {
  if (!TOKEN_NAME.test(name))
    throw new TokenAdminError(
      `token name ${JSON.stringify(name)}: 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit`,
    );
  return name;
}

export function parseScopes(text: string | undefined): TokenScope[] {
  if (text === undefined || text.trim() === '') return [];
  const scopes = new Set<TokenScope>();
  for (const part of text.split(',')) {
    const scope = part.trim();
    if (!(TOKEN_SCOPES as readonly string[]).includes(scope))
      throw new TokenAdminError(
        `unknown scope ${JSON.stringify(scope)}: the scopes are ${TOKEN_SCOPES.join(', ')} ` +
          '(without one, a token may do what any client may, under its own name and limits; with submit or list, only what it names)',
      );
    scopes.add(scope as TokenScope);
  }
  return [...scopes];
}

/** When a token made at `now` with `--expires text` expires. */
export function parseExpiry(text: string | undefined, now: Date): Date | null {
  if (text === undefined) return null;
  const relative = /^(\d{1,6})([dh])$/.exec(text.trim());
  const at = relative
    ? new Date(now.getTime() + Number(relative[1]) * (relative[2] === 'd' ? DAY_MS : DAY_MS / 24))
    : /^\d{4}-\d{2}-\d{2}(T[\d:.]+Z)?$/.test(text.trim())
      ? new Date(text.trim())
      : null;
  if (!at || Number.isNaN(at.getTime()))
    throw new TokenAdminError(
      `--expires ${JSON.stringify(text)}: a number of days or hours (90d, 12h) or a UTC date (2027-01-31)`,
    );
  if (at.getTime() <= now.getTime()) throw new TokenAdminError('--expires must be in the future');
  if (at.getTime() - now.getTime() > MAX_LIFETIME_MS)
    throw new TokenAdminError('--expires is at most ten years ahead');
  return at;
}

/**
 * Makes a token: checks the request, refuses a name a settings-file token already has, stores
 * only the secret's hash, and returns the secret, which nothing keeps (the caller shows it once).
 */
export async function createApiToken(
  records: TokenRecords,
  api: ApiSettings,
  request: NewTokenRequest,
  now = new Date(),
): Promise<{ secret: string; token: StoredToken }> {
  const name = checkTokenName(request.name);
  if (api.tokens.some((t) => t.name === name))
    throw new TokenAdminError(`token name ${name} is taken by a token in the settings file`);
  const secret = newTokenSecret();
  const token: StoredToken = {
    name,
    secretHash: hashTokenSecret(secret),
    scopes: parseScopes(request.scopes),
    requests: request.requests ?? null,
    submissions: request.submissions ?? null,
    createdAt: now,
    expiresAt: parseExpiry(request.expires, now),
  };
  if (!(await records.createToken(token)))
    throw new TokenAdminError(`a token named ${name} exists already (revoke it first)`);
  return { secret, token };
}
