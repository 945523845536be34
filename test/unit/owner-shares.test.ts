import { newJobId, type Job } from '../../src/jobs';
import type { AgentInfo } from '../../src/scheduler/agent-link';
import { OwnerShares, type OwnerSharing } from '../../src/scheduler/owner-shares';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';

/** OwnerShares against a real (in-memory) SQLite store; agents are the scheduler's plain records. */
let store: SqliteJobStore;
beforeEach(() => {
  store = new SqliteJobStore(':memory:');
});
afterEach(async () => {
  await store.close();
});

async function waiting(owner: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const id = newJobId();
    await store.insertJob({ id, service: 's', inputs: {}, parameters: {}, workDir: id, owner });
  }
}

/** One agent holding these jobs, as the scheduler records dispatches. */
function agentHolding(jobs: Job[]): AgentInfo {
  return {
    routingId: Buffer.from('a'),
    name: 'a',
    bootId: 'b',
    kinds: ['local'],
    slots: 100,
    lastHeardAt: Date.now(),
    jobs: new Map(
      jobs.map((j) => [
        j.id,
        { service: 's', runner: 'r', fencingToken: 1, purpose: 'job' as const },
      ]),
    ),
    unacked: new Map(),
  };
}

const owners = (jobs: Job[]) =>
  jobs.reduce<Record<string, number>>((n, j) => ({ ...n, [j.owner!]: (n[j.owner!] ?? 0) + 1 }), {});

const sharing = (policy: OwnerSharing['policy'], hasCaps = false) =>
  new OwnerShares(store, { owner: 'sched', leaseMs: 60_000, owners: { policy, hasCaps } });

it('splits free slots evenly between owners, counting what each already runs', async () => {
  await waiting('token:a', 50);
  await waiting('token:b', 50);
  const shares = sharing(() => ({ maxActive: 0, weight: 1 }));
  const first = await shares.claim('s', 10, [agentHolding([])]);
  expect(owners(first)).toEqual({ 'token:a': 5, 'token:b': 5 });
  // B's five finished, A's still run, C arrives: the next slots go to B and C, none to A.
  await waiting('token:c', 1);
  const heldA = first.filter((j) => j.owner === 'token:a');
  const next = await shares.claim('s', 3, [agentHolding(heldA)]);
  expect(owners(next)).toEqual({ 'token:b': 2, 'token:c': 1 });
});

it('gives a tie to the owner with fewer waiting', async () => {
  await waiting('token:backlog', 30);
  await waiting('token:newcomer', 1);
  const shares = sharing(() => ({ maxActive: 0, weight: 1 }));
  // Nothing runs for either: one slot, a tie of loads.
  const [only] = await shares.claim('s', 1, [agentHolding([])]);
  expect(only.owner).toBe('token:newcomer');
  await waiting('token:newcomer', 1);
  const two = await shares.claim('s', 2, [agentHolding([])]);
  expect(owners(two)).toEqual({ 'token:newcomer': 1, 'token:backlog': 1 });
});

it('weights shares by token weight', async () => {
  await waiting('token:heavy', 50);
  await waiting('token:light', 50);
  const shares = sharing((owner) => ({ maxActive: 0, weight: owner === 'token:heavy' ? 3 : 1 }));
  expect(owners(await shares.claim('s', 8, [agentHolding([])]))).toEqual({
    'token:heavy': 6,
    'token:light': 2,
  });
});

it('never lets an owner past max-active, even alone; its jobs wait PENDING', async () => {
  await waiting('token:a', 10);
  const shares = sharing(() => ({ maxActive: 3, weight: 1 }), true);
  const first = await shares.claim('s', 8, [agentHolding([])]);
  expect(first).toHaveLength(3);
  expect(await shares.claim('s', 5, [agentHolding(first)])).toEqual([]);
  expect(await store.pendingByOwner('s')).toEqual([{ owner: 'token:a', due: 7 }]);
  // One of them finished (no agent holds it): one more may start.
  expect(await shares.claim('s', 5, [agentHolding(first.slice(1))])).toHaveLength(1);
});
