import { newJobId } from '../../src/jobs';
import type { JobStore } from '../../src/store/job-store';
import { jobIn, newJob, type StoreFactory } from './job-store-contract';

const later = (ms: number): Date => new Date(Date.now() + ms);

/** The result cache and expiry tombstones, run against each store. */
export function retentionRecordsContract(factory: StoreFactory): void {
  let store: JobStore;
  beforeEach(async () => {
    store = await factory.open();
  });
  afterEach(async () => {
    await factory.dispose(store);
  });

  /** A COMPLETED original of service `cached` with this cache key. */
  async function completedOriginal(cacheKey: string): Promise<string> {
    return jobIn(store, 'COMPLETED', newJob({ service: `cached-${newJobId()}`, cacheKey }));
  }

  it('finds a COMPLETED original by its cache key, the newest first', async () => {
    const first = await completedOriginal('key-a');
    // Completed in a later millisecond than the first.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await completedOriginal('key-a');
    await completedOriginal('key-b');
    const found = await store.retention.findCachedResult('key-a', new Date(0));
    expect(found?.id).toBe(second);
    expect(found?.state).toBe('COMPLETED');
    expect(first).not.toBe(second);
  });

  it('never finds an unfinished, failed or too old job, nor another key', async () => {
    for (const state of ['PENDING', 'RUNNING', 'FAILED', 'DELETED'] as const)
      await jobIn(store, state, newJob({ service: `s-${newJobId()}`, cacheKey: 'key-c' }));
    expect(await store.retention.findCachedResult('key-c', new Date(0))).toBeNull();
    await completedOriginal('key-c');
    expect(await store.retention.findCachedResult('key-c', later(60_000))).toBeNull();
    expect(await store.retention.findCachedResult('key-other', new Date(0))).toBeNull();
    expect((await store.retention.findCachedResult('key-c', new Date(0)))?.state).toBe('COMPLETED');
  });

  it('records a hit COMPLETED at once, pointing at its original, never claimable', async () => {
    const originalId = await completedOriginal('key-d');
    const original = (await store.getJob(originalId))!;
    const hitJob = newJob({ service: original.service });
    const hit = await store.retention.insertCacheHit(original, hitJob);
    expect(hit).toMatchObject({ id: hitJob.id, state: 'COMPLETED', cachedFrom: originalId });
    expect(hit.completedAt).not.toBeNull();
    expect(await store.getJob(hitJob.id)).toMatchObject({ cachedFrom: originalId });
    expect(await store.claimPending('contract', 60_000, 10, original.service)).toEqual([]);
    // A hit is never itself an original: the lookup still answers with the first job.
    expect((await store.retention.findCachedResult('key-d', new Date(0)))?.id).toBe(originalId);
    // An ordinary job has no cachedFrom at all.
    expect((await store.getJob(originalId))?.cachedFrom ?? null).toBeNull();
  });

  it('expires finished jobs by rule, their hits with them, and leaves tombstones', async () => {
    const kept = await jobIn(store, 'COMPLETED', newJob({ service: 'kept' }));
    const running = await jobIn(store, 'RUNNING', newJob({ service: 'gone' }));
    const originalId = await jobIn(store, 'COMPLETED', newJob({ service: 'gone' }));
    const original = (await store.getJob(originalId))!;
    const hit = await store.retention.insertCacheHit(original, newJob({ service: 'gone' }));
    const forgetAt = later(60_000);
    const deleted = await store.retention.expireFinished(
      { cutoff: later(1000), exceptServices: ['kept'] },
      forgetAt,
      100,
    );
    expect(deleted.map((j) => j.id).sort()).toEqual([originalId, hit.id].sort());
    expect(await store.getJob(originalId)).toBeNull();
    expect(await store.getJob(hit.id)).toBeNull();
    expect(await store.getJob(kept)).not.toBeNull();
    expect(await store.getJob(running)).not.toBeNull();
    const tombstone = await store.retention.getTombstone(originalId);
    expect(tombstone).toMatchObject({ id: originalId, service: 'gone' });
    expect(tombstone!.forgetAt.getTime()).toBe(forgetAt.getTime());
    expect(await store.retention.getTombstone(hit.id)).not.toBeNull();
    expect(await store.retention.getTombstone(kept)).toBeNull();
    // By service: only that service's jobs.
    const byService = await store.retention.expireFinished(
      { cutoff: later(1000), service: 'kept' },
      forgetAt,
      100,
    );
    expect(byService.map((j) => j.id)).toEqual([kept]);
  });

  it('does not expire a job completed after the cutoff, nor a hit on its own', async () => {
    const originalId = await jobIn(store, 'COMPLETED', newJob({ service: 'young' }));
    const original = (await store.getJob(originalId))!;
    const hit = await store.retention.insertCacheHit(original, newJob({ service: 'young' }));
    expect(await store.retention.expireFinished({ cutoff: new Date(0) }, later(1), 100)).toEqual(
      [],
    );
    expect(await store.getJob(hit.id)).not.toBeNull();
  });

  it('forgets tombstones whose time is up, and only those', async () => {
    const a = await jobIn(store, 'COMPLETED', newJob({ service: 'tomb' }));
    await store.retention.expireFinished({ cutoff: later(1000) }, later(-1), 100);
    const b = await jobIn(store, 'FAILED', newJob({ service: 'tomb' }));
    await store.retention.expireFinished({ cutoff: later(1000) }, later(60_000), 100);
    expect(await store.retention.forgetTombstones(new Date())).toBe(1);
    expect(await store.retention.getTombstone(a)).toBeNull();
    expect(await store.retention.getTombstone(b)).not.toBeNull();
  });
}
