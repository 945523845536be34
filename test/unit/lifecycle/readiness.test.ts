import { StoreUnavailableError } from '../../../src/errors';
import { checkReadiness, schedulerHeard, storeReachable } from '../../../src/lifecycle/readiness';
import { instrumentStore } from '../../../src/store/instrumented-store';
import { SqliteJobStore } from '../../../src/store/sqlite/sqlite-job-store';

describe('readiness checks', () => {
  it('answers "no" in bounded time when a check hangs, and runs checks together', async () => {
    const started = Date.now();
    const state = await checkReadiness(
      {
        hung: () => new Promise<string | null>(() => undefined),
        fine: async () => null,
        broken: async () => {
          throw new Error('/secret/path exploded');
        },
      },
      200,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(state.ready).toBe(false);
    expect(state.reasons).toEqual({ hung: 'no answer within 200 ms', broken: 'failed (Error)' });
  });

  it('says the store is unreachable without its message', async () => {
    const check = storeReachable(async () => {
      throw new StoreUnavailableError('mongodb://user:pw@10.0.0.1 down');
    });
    expect(await check()).toBe('the job store is unreachable');
  });

  it('wants a scheduler heartbeat within three intervals', async () => {
    const now = 1_000_000;
    const at = (ms: number) => async () => ({ at: new Date(ms) });
    expect(
      await schedulerHeard(
        async () => null,
        1000,
        () => now,
      )(),
    ).toMatch(/ever been heard/);
    expect(await schedulerHeard(at(now - 3000), 1000, () => now)()).toBeNull();
    expect(await schedulerHeard(at(now - 3001), 1000, () => now)()).toMatch(/three heartbeats/);
  });
});

describe('instrumented store', () => {
  it('times each call by method name, groups included, and counts failures', async () => {
    const calls: [string, boolean][] = [];
    const raw = new SqliteJobStore(':memory:');
    const store = instrumentStore(raw, (operation, seconds, failed) => {
      expect(seconds).toBeGreaterThanOrEqual(0);
      calls.push([operation, failed]);
    });
    expect(await store.getJob('nothing')).toBeNull();
    await store.operations.lastHeartbeat('scheduler');
    await store.close();
    await expect(store.getJob('x')).rejects.toThrow();
    expect(calls).toEqual([
      ['getJob', false],
      ['operations.lastHeartbeat', false],
      ['close', false],
      ['getJob', true],
    ]);
  });
});
