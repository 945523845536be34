import type { JobStore } from '../../src/store/job-store';
import { newJob, type StoreFactory } from './job-store-contract';

/** The stores' side of job owners, run against each store. */
export interface OwnerStoreFactory extends StoreFactory {
  /**
   * Makes the store's jobs look as they did before owners existed (no owner column or field at
   * all) and returns the store to use from then on (SQLite reopens its migrated file).
   */
  forgetOwners(store: JobStore): Promise<JobStore>;
}

const ownersOf = (jobs: { owner: string | null }[]) => jobs.map((j) => j.owner);

export function jobOwnersContract(factory: OwnerStoreFactory): void {
  let store: JobStore;
  beforeEach(async () => {
    store = await factory.open();
  });
  afterEach(async () => {
    await factory.dispose(store);
  });

  it('keeps the owner given at insert; a job inserted without one has none', async () => {
    const mine = await store.insertJob(newJob({ owner: 'token:alice' }));
    const none = await store.insertJob(newJob());
    expect(mine.owner).toBe('token:alice');
    expect((await store.getJob(mine.id))?.owner).toBe('token:alice');
    expect((await store.getJob(none.id))?.owner).toBeNull();
  });

  it('lists one owner’s jobs only, newest first, page by page', async () => {
    const alice: string[] = [];
    for (let i = 0; i < 3; i++) {
      alice.push((await store.insertJob(newJob({ owner: 'token:alice' }))).id);
      await store.insertJob(newJob({ owner: 'session:bob' }));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const first = await store.listJobs({ owner: 'token:alice', limit: 2 });
    expect(ownersOf(first.jobs)).toEqual(['token:alice', 'token:alice']);
    const second = await store.listJobs({
      owner: 'token:alice',
      limit: 2,
      cursor: first.nextCursor!,
    });
    expect([...first.jobs, ...second.jobs].map((j) => j.id)).toEqual([...alice].reverse());
    expect(second.nextCursor).toBeNull();
    expect((await store.listJobs({ owner: 'token:nobody', limit: 10 })).jobs).toEqual([]);
    expect((await store.listJobs({ limit: 10 })).jobs).toHaveLength(6);
  });

  it('counts due jobs per owner: never a delayed or a claimed one', async () => {
    for (let i = 0; i < 3; i++) await store.insertJob(newJob({ owner: 'token:a' }));
    await store.insertJob(newJob({ owner: 'token:b' }));
    await store.insertJob(
      newJob({ owner: 'token:c', notBefore: new Date(Date.now() + 3_600_000) }),
    );
    await store.insertJob(newJob({ owner: 'token:d', service: 'other' }));
    const counted = async () =>
      Object.fromEntries((await store.pendingByOwner('head')).map((r) => [r.owner, r.due]));
    expect(await counted()).toEqual({ 'token:a': 3, 'token:b': 1 });
    await store.claimPending('contract', 60_000, 1, 'head', 'token:b');
    expect(await counted()).toEqual({ 'token:a': 3 });
  });

  it('claims one owner’s jobs only, highest priority first, then oldest', async () => {
    const a1 = await store.insertJob(newJob({ owner: 'token:a' }));
    await store.insertJob(newJob({ owner: 'token:b', priority: 9 }));
    const a2 = await store.insertJob(newJob({ owner: 'token:a', priority: 5 }));
    const a3 = await store.insertJob(newJob({ owner: 'token:a' }));
    const taken = await store.claimPending('contract', 60_000, 2, 'head', 'token:a');
    expect(taken.map((j) => j.id)).toEqual([a2.id, a1.id]);
    expect(taken.every((j) => j.state === 'ACCEPTED' && j.owner === 'token:a')).toBe(true);
    const rest = await store.claimPending('contract', 60_000, 5, 'head', 'token:a');
    expect(rest.map((j) => j.id)).toEqual([a3.id]);
    expect(await store.claimPending('contract', 60_000, 5, 'head', 'token:a')).toEqual([]);
  });

  it('claims several owners’ shares at once, each as its own claim would', async () => {
    const a1 = await store.insertJob(newJob({ owner: 'token:a' }));
    const a2 = await store.insertJob(newJob({ owner: 'token:a', priority: 2 }));
    await store.insertJob(newJob({ owner: 'token:a' }));
    const b1 = await store.insertJob(newJob({ owner: 'token:b' }));
    const none = await store.insertJob(newJob());
    await store.insertJob(newJob({ owner: 'token:c' }));
    const taken = await store.claimShares('contract', 60_000, 'head', [
      { owner: 'token:a', due: 2 },
      { owner: 'token:b', due: 5 },
      { owner: null, due: 1 },
      { owner: 'token:nobody', due: 3 },
    ]);
    expect(taken.map((j) => j.id).sort()).toEqual([a2.id, a1.id, b1.id, none.id].sort());
    expect(taken.every((j) => j.state === 'ACCEPTED')).toBe(true);
    const left = Object.fromEntries(
      (await store.pendingByOwner('head')).map((r) => [r.owner, r.due]),
    );
    expect(left).toEqual({ 'token:a': 1, 'token:c': 1 });
  });

  it('reads jobs stored before owners as owned by no one, and lists, counts and claims them', async () => {
    const old = await store.insertJob(newJob());
    const older = await store.insertJob(newJob({ owner: 'token:gone' }));
    store = await factory.forgetOwners(store);
    expect((await store.getJob(old.id))?.owner).toBeNull();
    expect((await store.getJob(older.id))?.owner).toBeNull();
    const listed = await store.listJobs({ owner: null, limit: 10 });
    expect(listed.jobs.map((j) => j.id).sort()).toEqual([old.id, older.id].sort());
    expect(await store.pendingByOwner('head')).toEqual([{ owner: null, due: 2 }]);
    const fresh = await store.insertJob(newJob({ owner: 'token:new' }));
    expect((await store.listJobs({ owner: 'token:new', limit: 10 })).jobs[0].id).toBe(fresh.id);
    const claimed = await store.claimPending('contract', 60_000, 5, 'head', null);
    expect(claimed.map((j) => j.id)).toEqual([old.id, older.id]);
  });
}
