import type { MongoJobStore } from '../../src/store/mongodb/mongo-job-store';
import { describeWithMongo, mongoStoreFactory } from '../helpers/ferretdb';
import { newJob } from './job-store-contract';

jest.setTimeout(120_000);

/**
 * Submissions that arrive together are written together (src/store/mongodb/job-inserts.ts). What
 * each caller sees must be what a lone insert gives: its own job, or its own error.
 */
describeWithMongo()('MongoDB store: new jobs written together', () => {
  const openStore = mongoStoreFactory();
  let store: MongoJobStore;

  beforeAll(async () => {
    store = await openStore();
  });
  afterAll(async () => {
    await store.close();
  });

  it('writes 40 jobs submitted at once, each claimable once, in submission order', async () => {
    const jobs = Array.from({ length: 40 }, (_, i) =>
      newJob({ service: 'together', priority: 0, parameters: { i: String(i) } }),
    );
    const inserted = await Promise.all(jobs.map((job) => store.insertJob(job)));
    expect(inserted.map((job) => job.id)).toEqual(jobs.map((job) => job.id));
    for (const job of jobs) expect((await store.getJob(job.id))?.state).toBe('PENDING');
    const claimed = await store.claimPending('claimer', 60_000, 100, 'together');
    expect(claimed.map((job) => job.id)).toEqual(jobs.map((job) => job.id));
    expect(await store.claimPending('claimer', 60_000, 100, 'together')).toEqual([]);
  });

  it('refuses only the job whose id is taken; the others of its batch are written', async () => {
    const taken = newJob({ service: 'dupes' });
    await store.insertJob(taken);
    const others = Array.from({ length: 12 }, () => newJob({ service: 'dupes' }));
    const results = await Promise.allSettled(
      [...others.slice(0, 6), { ...taken }, ...others.slice(6)].map((job) => store.insertJob(job)),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results[6].status).toBe('rejected');
    for (const job of others) expect((await store.getJob(job.id))?.service).toBe('dupes');
    // The taken id is claimed once, the others once each: no second queue entry for it.
    const claimed = await store.claimPending('claimer', 60_000, 100, 'dupes');
    expect(claimed.map((job) => job.id).sort()).toEqual(
      [taken.id, ...others.map((job) => job.id)].sort(),
    );
  });
});
