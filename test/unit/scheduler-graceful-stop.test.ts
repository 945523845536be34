import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jobDirectoryRelative, newJobId } from '../../src/jobs';
import { parseFailpoints } from '../../src/lifecycle/failpoint';
import { ClaimLedger } from '../../src/scheduler/claim-ledger';
import { drainBoundMs } from '../../src/scheduler/claim-ledger';
import { WriteBatcher } from '../../src/scheduler/write-batcher';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';

const LEASE_END_MS = 30_000;
const ids = (claims: { jobId: string }[]): string[] => claims.map((c) => c.jobId);

describe('claim ledger: what a stopping scheduler may hand back', () => {
  it('releases claims never sent, leaves sent ones in doubt, forgets settled ones', () => {
    const ledger = new ClaimLedger();
    for (const id of ['held', 'sent', 'acked', 'failed']) ledger.claimed(id, 7, LEASE_END_MS, 0);
    ledger.sent('sent', 7);
    ledger.sent('acked', 7);
    ledger.settled('acked', 7);
    ledger.settled('failed', 7);
    const plan = ledger.plan(1000);
    expect(ids(plan.release)).toEqual(['held']);
    expect(ids(plan.inDoubt)).toEqual(['sent']);
    expect(ledger.isSent('sent', 7)).toBe(true);
    expect(ledger.isSent('held', 7)).toBe(false);
  });

  it('releases a dispatch the agent refused while stopping: no agent runs it', () => {
    const ledger = new ClaimLedger();
    ledger.claimed('a', 3, LEASE_END_MS, 0);
    ledger.sent('a', 3);
    ledger.refused('a', 3);
    expect(ids(ledger.plan(1).release)).toEqual(['a']);
    expect(ledger.isSent('a', 3)).toBe(false);
  });

  it('ignores news about an older claim of the same job', () => {
    const ledger = new ClaimLedger();
    ledger.claimed('a', 1, LEASE_END_MS, 0);
    ledger.claimed('a', 2, LEASE_END_MS, 0);
    ledger.sent('a', 1);
    ledger.settled('a', 1);
    expect(ledger.plan(1).release).toEqual([
      { jobId: 'a', fencingToken: 2, phase: 'held', leaseExpiresAtMs: LEASE_END_MS },
    ]);
  });

  it('leaves a claim past its lease to recovery (it may be UNKNOWN by then)', () => {
    const ledger = new ClaimLedger();
    ledger.claimed('old', 1, 100, 0);
    ledger.claimed('new', 1, 500, 50);
    expect(ids(ledger.plan(100).release)).toEqual(['new']);
    // The next claim forgets expired entries, so failed ticks cannot grow the map.
    ledger.claimed('newer', 1, 900, 200);
    expect(ledger.size).toBe(2);
  });
});

describe('drain bound', () => {
  it('waits three heartbeats, never more than 3 s', () => {
    expect(drainBoundMs(200)).toBe(600);
    expect(drainBoundMs(1000)).toBe(3000);
    expect(drainBoundMs(5000)).toBe(3000);
  });
});

describe('failpoints', () => {
  it('parses kills, kills with a probability, and delays', () => {
    expect([...parseFailpoints('a,b:0.25,c:delay=1500')]).toEqual([
      ['a', { kind: 'kill', probability: 1 }],
      ['b', { kind: 'kill', probability: 0.25 }],
      ['c', { kind: 'delay', delayMs: 1500 }],
    ]);
    expect(parseFailpoints('').size).toBe(0);
  });
});

describe('write batcher', () => {
  it('idle() resolves once every queued write is in the store', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'batcher-'));
    const store = new SqliteJobStore(path.join(dir, 'damson.sqlite'));
    try {
      const id = newJobId();
      await store.insertJob({
        id,
        service: 's',
        inputs: {},
        parameters: {},
        workDir: jobDirectoryRelative(id),
      });
      const [claim] = await store.claimPending('me', 30_000, 1);
      const writes = new WriteBatcher(store);
      void writes.transition({ id, to: 'PENDING', fencingToken: claim.fencingToken });
      await writes.idle();
      expect((await store.getJob(id))?.state).toBe('PENDING');
      await writes.idle(); // nothing queued: resolves at once
    } finally {
      await store.close();
    }
  });
});
