import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { ApiSettings } from '../../../src/config/api-settings';
import {
  checkTokenName,
  createApiToken,
  parseExpiry,
  parseScopes,
} from '../../../src/bin/api-token-admin';
import { SharedRateStore } from '../../../src/http/shared-rate-store';
import { TokenResolver } from '../../../src/http/token-resolver';
import {
  hashTokenSecret,
  MAX_TOKEN_LENGTH,
  newTokenSecret,
  sameSecret,
  wellFormedToken,
} from '../../../src/http/token-secret';
import { SqliteJobStore } from '../../../src/store/sqlite/sqlite-job-store';

const NOW = new Date(Date.UTC(2026, 5, 1, 12, 0));
const DAY = 86_400_000;

function api(tokens: ApiSettings['tokens'] = []): ApiSettings {
  return { tokens } as ApiSettings;
}

let dir: string;
let store: SqliteJobStore;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'damson-tokens-'));
  store = new SqliteJobStore(path.join(dir, 'jobs.sqlite'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('token secrets', () => {
  it('are 256 random bits behind a recognisable prefix, and never equal', () => {
    const secrets = new Set(Array.from({ length: 200 }, () => newTokenSecret()));
    expect(secrets.size).toBe(200);
    for (const secret of secrets) expect(secret).toMatch(/^damson_[A-Za-z0-9_-]{43}$/);
  });

  it('are stored as a keyed digest that does not contain them', () => {
    const secret = newTokenSecret();
    const hash = hashTokenSecret(secret);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(hashTokenSecret(secret));
    expect(hash).not.toContain(secret.slice(7, 20));
    expect(hashTokenSecret(`${secret}x`)).not.toBe(hash);
  });

  it('compare equal exactly when equal, at any lengths (digests first: no length leak, no throw)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), (a, b) => {
        expect(sameSecret(a, b)).toBe(a === b);
        expect(sameSecret(a, a)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuse empty, oversized and control-character tokens before any lookup', () => {
    expect(wellFormedToken('')).toBe(false);
    expect(wellFormedToken('x'.repeat(MAX_TOKEN_LENGTH + 1))).toBe(false);
    expect(wellFormedToken('x'.repeat(MAX_TOKEN_LENGTH))).toBe(true);
    for (const c of ['\0', '\n', '\r', '\t', '\x1b', '\x7f'])
      expect(wellFormedToken(`ab${c}cd`)).toBe(false);
    expect(wellFormedToken('a long passphrase with spaces')).toBe(true);
    expect(wellFormedToken(newTokenSecret())).toBe(true);
  });
});

describe('damson tokens: checking what the operator typed', () => {
  it('accepts plain names and refuses odd ones', () => {
    for (const name of ['ci', 'jalview-ci', 'a.b_c@d', 'X'.repeat(64)])
      expect(checkTokenName(name)).toBe(name);
    for (const name of [
      '',
      ' ci',
      'a b',
      '-x',
      'x'.repeat(65),
      'a/b',
      'ä',
      'a\nb',
      '$where',
      '__proto__!',
      'a;rm',
    ])
      expect(() => checkTokenName(name)).toThrow(/token name/);
  });

  it('reads scopes, refusing unknown ones', () => {
    expect(parseScopes(undefined)).toEqual([]);
    expect(parseScopes('priority, admin,priority')).toEqual(['priority', 'admin']);
    // The issue's own example.
    expect(parseScopes('submit,list')).toEqual(['submit', 'list']);
    expect(() => parseScopes('priority,root')).toThrow(/unknown scope "root"/);
    expect(() => parseScopes('__proto__')).toThrow(/unknown scope/);
  });

  it('reads lifetimes and dates, refusing the past, the absurd and the malformed', () => {
    expect(parseExpiry(undefined, NOW)).toBeNull();
    expect(parseExpiry('90d', NOW)).toEqual(new Date(NOW.getTime() + 90 * DAY));
    expect(parseExpiry('12h', NOW)).toEqual(new Date(NOW.getTime() + DAY / 2));
    expect(parseExpiry('2027-01-31', NOW)).toEqual(new Date(Date.UTC(2027, 0, 31)));
    expect(() => parseExpiry('0d', NOW)).toThrow(/future/);
    expect(() => parseExpiry('2020-01-01', NOW)).toThrow(/future/);
    expect(() => parseExpiry('4000d', NOW)).toThrow(/ten years/);
    for (const text of ['90', 'd', '-5d', '1e3d', '90 days', '2027-13-45', 'tomorrow', '9999999d'])
      expect(() => parseExpiry(text, NOW)).toThrow(/--expires/);
  });

  it('refuses a name the settings file holds, and a name taken in the store', async () => {
    const settings = api([{ name: 'ops', token: 'ops-secret-0123456789' }]);
    await expect(createApiToken(store.tokens, settings, { name: 'ops' })).rejects.toThrow(
      /settings file/,
    );
    await createApiToken(store.tokens, settings, { name: 'ci' });
    await expect(createApiToken(store.tokens, settings, { name: 'ci' })).rejects.toThrow(
      /exists already/,
    );
    expect((await store.tokens.listTokens()).map((t) => t.name)).toEqual(['ci']);
  });
});

describe('TokenResolver', () => {
  const settingsToken = {
    name: 'ops',
    token: 'ops-secret-0123456789',
    scopes: ['priority' as const],
  };

  async function made(name: string, extra: { expires?: string; scopes?: string } = {}) {
    return (await createApiToken(store.tokens, api([settingsToken]), { name, ...extra }, NOW))
      .secret;
  }

  it('recognises settings and store tokens alike, without their secrets', async () => {
    const secret = await made('ci', { scopes: 'admin' });
    const resolver = new TokenResolver([settingsToken], store.tokens, 1000, () => NOW.getTime());
    expect(await resolver.resolve(settingsToken.token)).toEqual({
      name: 'ops',
      scopes: ['priority'],
      requests: undefined,
      submissions: undefined,
      source: 'settings',
    });
    expect(await resolver.resolve(secret)).toEqual({
      name: 'ci',
      scopes: ['admin'],
      requests: undefined,
      submissions: undefined,
      source: 'store',
    });
    expect(await resolver.resolve(`${secret}x`)).toBeNull();
    expect(await resolver.resolve(secret.slice(0, -1))).toBeNull();
    expect(await resolver.resolve(newTokenSecret())).toBeNull();
  });

  it('refuses an expired token at once, whatever the cache holds', async () => {
    const secret = await made('short', { expires: '1h' });
    let now = NOW.getTime();
    const resolver = new TokenResolver([], store.tokens, 10 * DAY, () => now);
    expect((await resolver.resolve(secret))?.name).toBe('short');
    now += DAY / 24 - 1;
    expect((await resolver.resolve(secret))?.name).toBe('short');
    now += 1;
    expect(await resolver.resolve(secret)).toBeNull();
  });

  it('refuses a revoked token once its cached lookup is older than the cache time', async () => {
    const secret = await made('ci');
    let now = NOW.getTime();
    const resolver = new TokenResolver([], store.tokens, 5000, () => now);
    const uncached = new TokenResolver([], store.tokens, 0, () => now);
    expect((await resolver.resolve(secret))?.name).toBe('ci');
    await store.tokens.revokeToken('ci');
    expect(await uncached.resolve(secret)).toBeNull();
    now += 4999;
    expect((await resolver.resolve(secret))?.name).toBe('ci');
    now += 1;
    expect(await resolver.resolve(secret)).toBeNull();
  });

  it('never lets a store token act under a settings token’s name, nor carry unknown scopes', async () => {
    const secret = await made('later-in-settings');
    await store.tokens.createToken({
      name: 'odd',
      secretHash: hashTokenSecret('odd-secret-0123456789'),
      scopes: ['admin', 'root', '__proto__'],
      requests: null,
      submissions: null,
      createdAt: NOW,
      expiresAt: null,
    });
    const clash = { name: 'later-in-settings', token: 'another-secret-0123456789' };
    const resolver = new TokenResolver([clash], store.tokens, 0, () => NOW.getTime());
    expect(await resolver.resolve(secret)).toBeNull();
    expect((await resolver.resolve('another-secret-0123456789'))?.source).toBe('settings');
    expect((await resolver.resolve('odd-secret-0123456789'))?.scopes).toEqual(['admin']);
  });
});

describe('SharedRateStore', () => {
  it('counts two servers into one window, aligned to the clock, and sweeps ended windows', async () => {
    const other = new SqliteJobStore(path.join(dir, 'jobs.sqlite'));
    let now = 1_000_000_123;
    const options = { windowMs: 1000 } as Parameters<SharedRateStore['init']>[0];
    const first = new SharedRateStore(store.rateCounters, 'requests|', () => now);
    const second = new SharedRateStore(other.rateCounters, 'requests|', () => now);
    first.init(options);
    second.init(options);
    const hits = [];
    for (let i = 0; i < 3; i += 1) {
      hits.push((await first.increment('ip:a')).totalHits);
      hits.push((await second.increment('ip:a')).totalHits);
    }
    expect(hits).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await first.increment('ip:a')).resetTime).toEqual(new Date(1_000_001_000));
    // Another limiter's prefix counts apart.
    const submissions = new SharedRateStore(store.rateCounters, 'submissions|', () => now);
    submissions.init(options);
    expect((await submissions.increment('ip:a')).totalHits).toBe(1);
    now = 1_000_001_000;
    expect((await second.increment('ip:a')).totalHits).toBe(1);
    // Each server sweeps at most once a window: the second's next sweep is due at 1_000_001_123.
    expect(await store.rateCounters.sweep(new Date(now), 0)).toBe(0);
    now = 1_000_001_200;
    await second.increment('ip:a');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await store.rateCounters.sweep(new Date(now), 100)).toBe(0);
    await other.close();
  });

  it('stops recording a client above its limit', async () => {
    const limited = new SharedRateStore(store.rateCounters, 'r|', () => NOW.getTime());
    limited.init({ windowMs: 60_000 } as Parameters<SharedRateStore['init']>[0]);
    limited.setCeiling('ip:b', 2);
    const hits = [];
    for (let i = 0; i < 6; i += 1) hits.push((await limited.increment('ip:b')).totalHits);
    expect(hits).toEqual([1, 2, 3, 3, 3, 3]);
  });
});
