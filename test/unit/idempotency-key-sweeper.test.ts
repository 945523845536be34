import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/lifecycle/logger';
import { IdempotencyKeySweeper } from '../../src/scheduler/idempotency-key-sweeper';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';

test('the sweeper forgets expired keys only, and their jobs stay', async () => {
  const store = new SqliteJobStore(
    path.join(mkdtempSync(path.join(tmpdir(), 'damson-keys-')), 'jobs.sqlite'),
  );
  try {
    const t0 = new Date(Date.UTC(2026, 0, 1));
    for (let i = 0; i < 3; i++) {
      const id = `JSWEEP000000000${i}`;
      await store.insertJobOnce(
        {
          scope: 'ip:1',
          key: `key-sweep-${i}`,
          requestHash: 'h',
          jobId: id,
          createdAt: t0,
          expiresAt: new Date(t0.getTime() + (i + 1) * 1000),
        },
        { id, service: 's', inputs: {}, parameters: {}, workDir: `JS/${i}` },
        [],
      );
    }
    const sweeper = new IdempotencyKeySweeper(store, 60_000, createLogger('test', 'silent'));
    expect(await sweeper.sweep(new Date(t0.getTime() + 2000))).toBe(2);
    expect(await store.findIdempotencyKey('ip:1', 'key-sweep-2', t0)).not.toBeNull();
    expect(await store.findIdempotencyKey('ip:1', 'key-sweep-0', t0)).toBeNull();
    expect(await store.getJob('JSWEEP0000000000')).not.toBeNull();
  } finally {
    await store.close();
  }
});
