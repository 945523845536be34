/**
 * An API token the user gave this browser (the settings panel on "My jobs"). With one, every API
 * request carries `Authorization: Bearer`, so the server lists the token's jobs in any browser and
 * the jobs submitted here belong to the token. It stays in this browser's local storage only.
 */
import type { ErrorBody } from '../../src/wire/api-errors';
import type { KeyValueStorage } from './my-jobs';

const KEY = 'damson.api-token.v1';
/** The server refuses longer tokens before any lookup; so does the panel. */
export const MAX_PORTAL_TOKEN_LENGTH = 1024;

function storage(): KeyValueStorage | null {
  try {
    return (globalThis as { localStorage?: KeyValueStorage }).localStorage ?? null;
  } catch {
    return null;
  }
}

/** A token could be sent in a header: bounded, printable ASCII, no spaces. */
export function acceptableToken(text: string): boolean {
  return text.length > 0 && text.length <= MAX_PORTAL_TOKEN_LENGTH && /^[\x21-\x7e]+$/.test(text);
}

export function portalToken(): string | null {
  try {
    const token = storage()?.getItem(KEY) ?? null;
    return token && acceptableToken(token) ? token : null;
  } catch {
    return null;
  }
}

/** Stores a token (trimmed); false when it is not one. */
export function setPortalToken(text: string): boolean {
  const token = text.trim();
  if (!acceptableToken(token)) return false;
  try {
    storage()?.setItem(KEY, token);
    return true;
  } catch {
    return false;
  }
}

export function clearPortalToken(): void {
  try {
    storage()?.removeItem(KEY);
  } catch {
    // nothing stored
  }
}

export function authHeaders(): Record<string, string> {
  const token = portalToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/**
 * A token the server calls invalid (unknown, revoked or expired: 401 `invalid_token`) would make
 * every later request fail too, so it is forgotten; true when that happened.
 */
export function forgetRefusedToken(status: number, body: unknown, sent: boolean): boolean {
  if (!sent || status !== 401 || !body || typeof body !== 'object') return false;
  const error = (body as { error?: unknown }).error;
  if (!error || typeof error !== 'object') return false;
  // The code as the catalogue spells it: a misspelt one would not type-check.
  if ((error as Partial<ErrorBody['error']>).code !== 'invalid_token') return false;
  clearPortalToken();
  return true;
}
