import { TOKEN_SCOPES, type ApiToken, type TokenScope } from '../config/api-settings';
import type { StoredToken, TokenRecords } from '../store/access-records';
import { timingSafeEqual } from 'node:crypto';
import { hashTokenSecret, sameDigest, secretDigest } from './token-secret';

/**
 * A client's token once recognised, whichever its origin: the settings file (`api.tokens`) or the
 * store (`damson tokens create`). Never carries the secret.
 */
export interface ResolvedToken {
  /** The client's identity: rate-limit key, job owner. */
  name: string;
  scopes: TokenScope[];
  requests?: number;
  submissions?: number;
  source: 'settings' | 'store';
}

/** How many store lookups a server remembers at most (a flood of made-up tokens stays bounded). */
const MAX_CACHED = 10_000;

interface CachedLookup {
  token: StoredToken | null;
  until: number;
}

const isScope = (scope: string): scope is TokenScope =>
  (TOKEN_SCOPES as readonly string[]).includes(scope);

function fromSettings(token: ApiToken): ResolvedToken {
  return {
    name: token.name,
    scopes: token.scopes ?? [],
    requests: token.requests,
    submissions: token.submissions,
    source: 'settings',
  };
}

function fromStore(token: StoredToken): ResolvedToken {
  return {
    name: token.name,
    scopes: token.scopes.filter(isScope),
    requests: token.requests ?? undefined,
    submissions: token.submissions ?? undefined,
    source: 'store',
  };
}

/**
 * Recognises a presented secret: first among the settings-file tokens (each compared in constant
 * time, all of them, so the time taken does not say which one matched), then in the store by its
 * hash. Store lookups, found or not, are cached for `cacheMs`, which bounds how long a revoked
 * token still works on a server; expiry is judged on every request, so it is exact.
 */
export class TokenResolver {
  private readonly cache = new Map<string, CachedLookup>();
  private readonly inFlight = new Map<string, Promise<StoredToken | null>>();
  private readonly settingsNames: Set<string>;
  private readonly settingsDigests: { token: ApiToken; digest: Buffer }[];

  constructor(
    settingsTokens: readonly ApiToken[],
    private readonly records: TokenRecords,
    private readonly cacheMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.settingsNames = new Set(settingsTokens.map((t) => t.name));
    this.settingsDigests = settingsTokens.map((token) => ({
      token,
      digest: secretDigest(token.token),
    }));
  }

  /** The token `presented` names, or null when it is unknown, revoked or expired. */
  async resolve(presented: string): Promise<ResolvedToken | null> {
    const presentedDigest = secretDigest(presented);
    let matched: ApiToken | null = null;
    for (const { token, digest } of this.settingsDigests) {
      if (timingSafeEqual(digest, presentedDigest) && !matched) matched = token;
    }
    if (matched) return fromSettings(matched);
    const hash = hashTokenSecret(presented);
    const stored = await this.lookup(hash);
    if (!stored || !sameDigest(stored.secretHash, hash)) return null;
    if (stored.expiresAt && stored.expiresAt.getTime() <= this.now()) return null;
    // A settings token owns its name: a store token made under it (by editing the settings after
    // `damson tokens create`) must not act as that client.
    if (this.settingsNames.has(stored.name)) return null;
    return fromStore(stored);
  }

  private lookup(hash: string): Promise<StoredToken | null> {
    const now = this.now();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) return Promise.resolve(cached.token);
    const pending = this.inFlight.get(hash);
    if (pending) return pending;
    const read = this.records
      .findTokenByHash(hash)
      .then((token) => {
        if (this.cacheMs > 0) this.remember(hash, { token, until: now + this.cacheMs });
        return token;
      })
      .finally(() => this.inFlight.delete(hash));
    this.inFlight.set(hash, read);
    return read;
  }

  private remember(hash: string, lookup: CachedLookup): void {
    this.cache.delete(hash);
    if (this.cache.size >= MAX_CACHED) {
      // The oldest entry first (a Map keeps insertion order): it is the nearest to going stale.
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(hash, lookup);
  }
}
