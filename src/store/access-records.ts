/**
 * API tokens created with `damson tokens` and the shared rate-limit counters: records every server
 * reads, so a token or a limit means the same on each of them. Kept in both stores.
 */

/** A token as stored: never its secret, only a hash of it. */
export interface StoredToken {
  /** Unique; the client's identity (rate-limit key, job owner). */
  name: string;
  /** Hex digest of the secret (see src/http/token-secret.ts); unique. */
  secretHash: string;
  scopes: string[];
  /** Per-window limits for this client; null means the general limit. */
  requests: number | null;
  submissions: number | null;
  createdAt: Date;
  /** After this the token is refused; null: it never expires. */
  expiresAt: Date | null;
}

export interface TokenRecords {
  /** Stores a new token; false when its name (or, by a freak chance, its hash) is taken. */
  createToken(token: StoredToken): Promise<boolean>;
  /** The token with this hash, expired or not (the caller judges expiry). An indexed lookup. */
  findTokenByHash(secretHash: string): Promise<StoredToken | null>;
  /** Every token, by name. */
  listTokens(): Promise<StoredToken[]>;
  /** Deletes the token; false when there is none by that name. */
  revokeToken(name: string): Promise<boolean>;
}

/**
 * Fixed-window hit counters shared by every server. A window is named by its start, which every
 * server computes alike from the clock, so all of them count into the same record.
 */
export interface RateCounters {
  /**
   * Adds one hit to `key`'s window starting at `windowStart` (ending at `resetAt`) and returns
   * the window's hits, exactly, however many servers hit it at once. Once they are above
   * `ceiling` (the client's limit), further hits are not recorded and the answer stays above it,
   * so a client hammering past its limit does not grow the store.
   */
  hit(key: string, windowStart: Date, resetAt: Date, ceiling?: number): Promise<number>;
  /** Takes one hit back from that window (never below zero). */
  unhit(key: string, windowStart: Date): Promise<void>;
  /** Forgets every window of `key`. */
  reset(key: string): Promise<void>;
  /** Deletes up to `limit` windows that ended at or before `now`; returns how many. */
  sweep(now: Date, limit: number): Promise<number>;
}
