import type { StoredToken } from '../../src/store/access-records';
import type { JobStore } from '../../src/store/job-store';
import type { StoreFactory } from './job-store-contract';

let serial = 0;
function token(overrides: Partial<StoredToken> = {}): StoredToken {
  serial += 1;
  return {
    name: `token-${serial}`,
    secretHash: `${serial}`.padStart(64, 'a'),
    scopes: ['priority'],
    requests: null,
    submissions: 50,
    createdAt: new Date(Date.UTC(2026, 0, 1)),
    expiresAt: null,
    ...overrides,
  };
}

/** Tokens made with `damson tokens` and the shared rate counters, run against each store. */
export function accessRecordsContract(factory: StoreFactory): void {
  let store: JobStore;
  beforeEach(async () => {
    store = await factory.open();
  });
  afterEach(async () => {
    await factory.dispose(store);
  });

  it('stores a token, finds it by its hash, lists it and revokes it', async () => {
    const expiresAt = new Date(Date.UTC(2027, 5, 1, 12, 30));
    const made = token({ expiresAt, scopes: ['priority', 'admin'], requests: 7 });
    expect(await store.tokens.createToken(made)).toBe(true);
    expect(await store.tokens.findTokenByHash(made.secretHash)).toEqual(made);
    expect(await store.tokens.findTokenByHash('b'.repeat(64))).toBeNull();
    const other = token();
    await store.tokens.createToken(other);
    expect((await store.tokens.listTokens()).map((t) => t.name)).toEqual(
      [made.name, other.name].sort(),
    );
    expect(await store.tokens.revokeToken(made.name)).toBe(true);
    expect(await store.tokens.findTokenByHash(made.secretHash)).toBeNull();
    expect(await store.tokens.revokeToken(made.name)).toBe(false);
    expect((await store.tokens.listTokens()).map((t) => t.name)).toEqual([other.name]);
  });

  it('refuses a second token with a taken name, keeping the first', async () => {
    const first = token({ name: 'ci' });
    expect(await store.tokens.createToken(first)).toBe(true);
    expect(await store.tokens.createToken(token({ name: 'ci' }))).toBe(false);
    expect(await store.tokens.findTokenByHash(first.secretHash)).toEqual(first);
    expect(await store.tokens.listTokens()).toHaveLength(1);
  });

  it('keeps odd names as data, never as syntax', async () => {
    const names = ["o'brien", 'a"b', '$where', 'x.y', '{"$gt":""}', 'naïve 名前', '__proto__'];
    for (const name of names) expect(await store.tokens.createToken(token({ name }))).toBe(true);
    expect((await store.tokens.listTokens()).map((t) => t.name).sort()).toEqual([...names].sort());
    expect(await store.tokens.revokeToken('$where')).toBe(true);
    expect(await store.tokens.listTokens()).toHaveLength(names.length - 1);
  });

  it('counts hits per key and window', async () => {
    const start = new Date(Date.UTC(2026, 0, 1, 10, 0));
    const reset = new Date(start.getTime() + 60_000);
    const next = reset;
    const counts: number[] = [];
    for (let i = 0; i < 3; i += 1) counts.push(await store.rateCounters.hit('ip:a', start, reset));
    expect(counts).toEqual([1, 2, 3]);
    expect(await store.rateCounters.hit('ip:b', start, reset)).toBe(1);
    expect(await store.rateCounters.hit('ip:a', next, new Date(next.getTime() + 60_000))).toBe(1);
    await store.rateCounters.unhit('ip:a', start);
    expect(await store.rateCounters.hit('ip:a', start, reset)).toBe(3);
    await store.rateCounters.reset('ip:a');
    expect(await store.rateCounters.hit('ip:a', start, reset)).toBe(1);
    expect(await store.rateCounters.hit('ip:b', start, reset)).toBe(2);
  });

  it('never takes a count below zero', async () => {
    const start = new Date(Date.UTC(2026, 0, 1, 11, 0));
    const reset = new Date(start.getTime() + 1000);
    await store.rateCounters.unhit('nobody', start);
    await store.rateCounters.hit('k', start, reset);
    await store.rateCounters.unhit('k', start);
    await store.rateCounters.unhit('k', start);
    expect(await store.rateCounters.hit('k', start, reset)).toBe(1);
  });

  it('counts concurrent hits exactly (no lost update)', async () => {
    const start = new Date(Date.UTC(2026, 0, 1, 12, 0));
    const reset = new Date(start.getTime() + 60_000);
    const counts = await Promise.all(
      Array.from({ length: 20 }, () => store.rateCounters.hit('burst', start, reset)),
    );
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('stops recording above the ceiling, so at most `ceiling` hits ever see a count within it', async () => {
    const start = new Date(Date.UTC(2026, 0, 1, 12, 30));
    const reset = new Date(start.getTime() + 60_000);
    const counts = await Promise.all(
      Array.from({ length: 20 }, () => store.rateCounters.hit('flood', start, reset, 5)),
    );
    expect(counts.filter((c) => c <= 5).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(Math.max(...counts)).toBe(6);
    expect(await store.rateCounters.hit('flood', start, reset, 5)).toBe(6);
    // Every window the flood left is one of the ended ones a sweep takes.
    const after = new Date(reset.getTime() + 1);
    let swept = 0;
    for (let n = -1; n !== 0; swept += n) n = await store.rateCounters.sweep(after, 100);
    expect(swept).toBeGreaterThanOrEqual(1);
    expect(swept).toBeLessThanOrEqual(6);
  });

  it('sweeps ended windows in bounded batches, keeping the current ones', async () => {
    const base = Date.UTC(2026, 0, 1, 13, 0);
    for (let i = 0; i < 5; i += 1)
      await store.rateCounters.hit(`old-${i}`, new Date(base), new Date(base + 1000));
    await store.rateCounters.hit('current', new Date(base + 1000), new Date(base + 2000));
    const now = new Date(base + 1500);
    expect(await store.rateCounters.sweep(now, 3)).toBe(3);
    expect(await store.rateCounters.sweep(now, 3)).toBe(2);
    expect(await store.rateCounters.sweep(now, 3)).toBe(0);
    expect(await store.rateCounters.hit('old-0', new Date(base), new Date(base + 1000))).toBe(1);
    expect(
      await store.rateCounters.hit('current', new Date(base + 1000), new Date(base + 2000)),
    ).toBe(2);
  });
}
