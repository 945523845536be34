/**
 * Whose job it is. An owner is a short string with a kind prefix, so owners of different kinds
 * can never collide (a token named like an address is still a token):
 * - `token:<name>`: the client sent a valid API token (the token's name, never its secret);
 * - `session:<hash>`: a browser with the portal's session cookie (a hash of it: the store never
 *   holds a value that would let someone who reads it act as that browser);
 * - `address:<ip>`: any other client, by its address.
 */
export type OwnerKind = 'token' | 'session' | 'address';

/** Longest owner stored: a token name is bounded by the settings, but the store must not trust that. */
export const MAX_OWNER_LENGTH = 200;

export function ownerOf(kind: OwnerKind, value: string): string {
  return `${kind}:${value}`.slice(0, MAX_OWNER_LENGTH);
}
