import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Marks Damson's generated secrets, so a leaked one is recognisable (secret scanners, logs). */
export const TOKEN_PREFIX = 'damson_';

/** The longest token a client may present; anything longer is refused before any lookup. */
export const MAX_TOKEN_LENGTH = 1024;

/** A new secret: 32 random bytes (256 bits) from the operating system's CSPRNG, base64url. */
export function newTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * Why a fast keyed hash and not bcrypt/scrypt/argon2: those slow a guesser down, which matters
 * for passwords people choose. These secrets are 256 random bits; no speed of hashing makes 2^256
 * guesses feasible, so slowness would buy nothing and cost every API request a few milliseconds.
 * A fast hash also lets the store find a token by its hash through an index, so a server never
 * loads all tokens to compare them. HMAC (rather than a bare SHA-256) keyed with a fixed,
 * versioned label keeps these digests apart from any other SHA-256 of the same text.
 */
const HASH_KEY = 'damson/api-token/v1';

/** The digest the store keeps instead of the secret: HMAC-SHA-256, hex. */
export function hashTokenSecret(secret: string): string {
  return createHmac('sha256', HASH_KEY).update(secret, 'utf8').digest('hex');
}

/** Whether a presented token could be one at all: bounded, and no control characters. */
export function wellFormedToken(text: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  return text.length > 0 && text.length <= MAX_TOKEN_LENGTH && !/[\x00-\x1f\x7f]/.test(text);
}

/** A secret's SHA-256, for constant-time comparison with `timingSafeEqual` (32 bytes each). */
export const secretDigest = (text: string): Buffer =>
  createHash('sha256').update(text, 'utf8').digest();

/**
 * Constant-time equality of two secrets of any lengths: both are hashed to 32 bytes first, so
 * neither the position of the first difference nor a length mismatch shows in the time taken.
 */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(secretDigest(a), secretDigest(b));
}

/** Constant-time equality of two hex digests (of equal length when both are digests). */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
