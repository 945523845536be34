import { FINISHED_STATES, isFinished, type JobState } from '../../src/jobs';
import type { JobStore } from '../../src/store/job-store';
import { canTransition, JOB_STATES, jobIn, newJob, type StoreFactory } from './job-store-contract';

const ACTIVE: JobState[] = ['ACCEPTED', 'QUEUED', 'RUNNING', 'UNKNOWN', 'CANCELLING'];
/**
 * The message a promise rejects with, or null if it resolves. (better-sqlite3 throws its errors
 * from native code, which jest's toThrow does not always recognise as errors.)
 */
const rejection = (promise: Promise<unknown>): Promise<string | null> =>
  promise.then(
    () => null,
    (error: unknown) => String((error as { message?: unknown }).message ?? error),
  );
const month = (): string => new Date().toISOString().slice(0, 7);

/** The JobStore contract: every implementation must pass all of it, unchanged. */
export function jobStoreContract(factory: StoreFactory): void {
  let store: JobStore;
  beforeEach(async () => {
    store = await factory.open();
  });
  afterEach(async () => {
    await factory.dispose(store);
  });

  describe('insert and get', () => {
    it('stores a new job as PENDING with every field initialised', async () => {
      const job = newJob({ priority: 3 });
      const before = Date.now();
      const inserted = await store.insertJob(job);
      expect(inserted).toMatchObject({
        id: job.id,
        service: 'head',
        state: 'PENDING',
        inputs: job.inputs,
        parameters: job.parameters,
        workDir: job.workDir,
        completedAt: null,
        runner: null,
        externalId: null,
        attempt: 0,
        fencingToken: 0,
        leaseOwner: null,
        leaseExpiresAt: null,
        cancelRequested: false,
        exitCode: null,
        reason: null,
        priority: 3,
        notBefore: null,
      });
      expect(inserted.submittedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(await store.getJob(job.id)).toEqual(inserted);
    });

    it('returns null for an unknown id', async () => {
      expect(await store.getJob('nosuchjob0000000')).toBeNull();
    });

    it('refuses a second job with the same id and keeps the first', async () => {
      const job = newJob();
      await store.insertJob(job);
      expect(await rejection(store.insertJob({ ...job, service: 'words' }))).toBeTruthy();
      expect((await store.getJob(job.id))?.service).toBe('head');
    });
  });

  describe('list', () => {
    async function insertMany(services: string[]): Promise<string[]> {
      const ids: string[] = [];
      for (const service of services) ids.push((await store.insertJob(newJob({ service }))).id);
      return ids;
    }

    it('pages through every job newest first without gaps or repeats', async () => {
      const ids = await insertMany(Array.from({ length: 25 }, () => 'head'));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listJobs({ limit: 10, cursor });
        seen.push(...page.jobs.map((j) => j.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([...ids].reverse());
    });

    it('filters by service, state and submission time', async () => {
      const [a1, , a2] = await insertMany(['head', 'words', 'head']);
      await store.transition(a2, 'ERROR', null);
      const heads = await store.listJobs({ service: 'head', limit: 10 });
      expect(heads.jobs.map((j) => j.id)).toEqual([a2, a1]);
      const errors = await store.listJobs({ states: ['ERROR', 'COMPLETED'], limit: 10 });
      expect(errors.jobs.map((j) => j.id)).toEqual([a2]);
      const both = await store.listJobs({ service: 'words', states: ['ERROR'], limit: 10 });
      expect(both.jobs).toEqual([]);
      const future = new Date(Date.now() + 60_000);
      expect((await store.listJobs({ submittedSince: future, limit: 10 })).jobs).toEqual([]);
      const past = new Date(Date.now() - 60_000);
      expect((await store.listJobs({ submittedSince: past, limit: 10 })).jobs).toHaveLength(3);
      expect((await store.listJobs({ limit: 3 })).nextCursor).toBeNull();
    });

    it('answers an empty page for a cursor it never issued', async () => {
      await insertMany(['head']);
      expect(await store.listJobs({ cursor: 'bm90LWEtY3Vyc29y', limit: 10 })).toEqual({
        jobs: [],
        nextCursor: null,
      });
    });

    it('lists active jobs oldest first, up to the limit', async () => {
      const ids: Partial<Record<JobState, string>> = {};
      for (const state of JOB_STATES) ids[state] = await jobIn(store, state);
      const active = await store.listActive(100);
      expect(active.map((j) => j.state).sort()).toEqual([...ACTIVE].sort());
      expect(active.map((j) => j.id)).toEqual(
        JOB_STATES.filter((s) => ACTIVE.includes(s)).map((s) => ids[s]),
      );
      expect(await store.listActive(2)).toHaveLength(2);
    });
  });

  describe('claim', () => {
    it('takes PENDING jobs with owner, lease, a fresh token and the attempt count', async () => {
      const job = await store.insertJob(newJob());
      const before = Date.now();
      const [claimed] = await store.claimPending('scheduler-1', 30_000, 10);
      expect(claimed).toMatchObject({
        id: job.id,
        state: 'ACCEPTED',
        leaseOwner: 'scheduler-1',
        attempt: 1,
      });
      expect(claimed.fencingToken).not.toBe(job.fencingToken);
      const leaseEnd = claimed.leaseExpiresAt!.getTime();
      expect(leaseEnd).toBeGreaterThanOrEqual(before + 30_000 - 2000);
      expect(leaseEnd).toBeLessThanOrEqual(Date.now() + 30_000 + 2000);
      expect(await store.getJob(job.id)).toEqual(claimed);
      expect(await store.claimPending('scheduler-2', 30_000, 10)).toEqual([]);
    });

    it('gives a released job a newer token and counts the attempt', async () => {
      await store.insertJob(newJob());
      const [first] = await store.claimPending('s', 1000, 1);
      expect(await store.transition(first.id, 'PENDING', first.fencingToken)).not.toBeNull();
      const [second] = await store.claimPending('s', 1000, 1);
      expect(second.id).toBe(first.id);
      expect(second.attempt).toBe(2);
      expect(second.fencingToken).not.toBe(first.fencingToken);
      expect(await store.transition(first.id, 'QUEUED', first.fencingToken)).toBeNull();
    });

    it('claims by priority, then in submission order, up to the limit', async () => {
      const low = await store.insertJob(newJob());
      const high = await store.insertJob(newJob({ priority: 5 }));
      const low2 = await store.insertJob(newJob());
      const claimed = await store.claimPending('s', 1000, 2);
      expect(claimed.map((j) => j.id)).toEqual([high.id, low.id]);
      expect((await store.claimPending('s', 1000, 5)).map((j) => j.id)).toEqual([low2.id]);
    });

    it('leaves jobs that are not due yet', async () => {
      await store.insertJob(newJob({ notBefore: new Date(Date.now() + 60_000) }));
      const due = await store.insertJob(newJob({ notBefore: new Date(Date.now() - 1000) }));
      expect((await store.claimPending('s', 1000, 5)).map((j) => j.id)).toEqual([due.id]);
    });
  });

  describe('transitions', () => {
    it('allows exactly what the transition table allows, from every state to every state', async () => {
      const mismatches: string[] = [];
      for (const from of JOB_STATES) {
        for (const to of JOB_STATES) {
          const id = await jobIn(store, from);
          const result = await store.transition(id, to, null);
          const allowed = canTransition(from, to);
          if ((result !== null) !== allowed) mismatches.push(`${from}->${to}`);
          expect((await store.getJob(id))?.state).toBe(allowed ? to : from);
        }
      }
      expect(mismatches).toEqual([]);
    });

    it('keeps finished states absorbing, whatever the token', async () => {
      for (const state of FINISHED_STATES) {
        const id = await jobIn(store, state);
        const job = (await store.getJob(id))!;
        for (const to of JOB_STATES) {
          expect(await store.transition(id, to, job.fencingToken)).toBeNull();
        }
        expect(await store.getJob(id)).toEqual(job);
      }
    });

    it('applies the patch, and sets completion and releases the lease when finishing', async () => {
      await store.insertJob(newJob());
      const [job] = await store.claimPending('s', 5000, 1);
      const queued = await store.transition(job.id, 'QUEUED', job.fencingToken, {
        runner: 'local',
        externalId: '1234',
        leaseMs: 60_000,
      });
      expect(queued).toMatchObject({ state: 'QUEUED', runner: 'local', externalId: '1234' });
      expect(queued!.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 50_000);
      const done = await store.transition(job.id, 'FAILED', job.fencingToken, {
        exitCode: 3,
        reason: 'exit status 3',
      });
      expect(done).toMatchObject({ state: 'FAILED', exitCode: 3, reason: 'exit status 3' });
      expect(done).toMatchObject({ leaseOwner: null, leaseExpiresAt: null, runner: 'local' });
      expect(Math.abs(done!.completedAt!.getTime() - Date.now())).toBeLessThan(5000);
    });
  });

  describe('fencing', () => {
    it('refuses a stale writer and counts the refusal', async () => {
      await store.insertJob(newJob());
      const [job] = await store.claimPending('old', 1000, 1);
      await store.transition(job.id, 'PENDING', job.fencingToken);
      const [again] = await store.claimPending('new', 1000, 1);
      expect(await store.staleWriteCount()).toBe(0);
      expect(await store.transition(job.id, 'QUEUED', job.fencingToken)).toBeNull();
      expect(await store.transition(job.id, 'COMPLETED', job.fencingToken)).toBeNull();
      expect(await store.staleWriteCount()).toBe(2);
      expect((await store.getJob(job.id))?.state).toBe('ACCEPTED');
      expect(await store.transition(job.id, 'QUEUED', again.fencingToken)).not.toBeNull();
    });

    it('does not count a refusal for the state alone', async () => {
      await store.insertJob(newJob());
      const [job] = await store.claimPending('s', 1000, 1);
      expect(await store.transition(job.id, 'CANCELLING', job.fencingToken)).toBeNull();
      expect(await store.transition('nosuchjob0000000', 'QUEUED', 7)).toBeNull();
      expect(await store.staleWriteCount()).toBe(0);
    });
  });

  describe('cancellation', () => {
    it.each<[JobState, string, JobState]>([
      ['PENDING', 'deleted', 'DELETED'],
      ['ACCEPTED', 'deleted', 'DELETED'],
      ['QUEUED', 'cancelling', 'CANCELLING'],
      ['RUNNING', 'cancelling', 'CANCELLING'],
      ['UNKNOWN', 'cancelling', 'CANCELLING'],
      ['CANCELLING', 'cancelling', 'CANCELLING'],
      ['COMPLETED', 'finished', 'COMPLETED'],
      ['ERROR', 'finished', 'ERROR'],
    ])('a %s job is %s', async (from, kind, to) => {
      const id = await jobIn(store, from);
      const outcome = await store.requestCancel(id);
      expect(outcome.kind).toBe(kind);
      const job = await store.getJob(id);
      expect(outcome).toEqual({ kind, job });
      expect(job?.state).toBe(to);
      expect(job?.cancelRequested).toBe(!isFinished(from));
      if (to === 'DELETED') expect(job?.completedAt).not.toBeNull();
    });

    it('reports an unknown job', async () => {
      expect(await store.requestCancel('nosuchjob0000000')).toEqual({ kind: 'not_found' });
    });
  });

  describe('uploads', () => {
    it('keeps upload metadata', async () => {
      const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000);
      const full = {
        id: 'upload0000000001',
        path: '/u/a',
        mediaType: 'text/plain',
        title: 'a.txt',
        createdAt,
      };
      const bare = {
        id: 'upload0000000002',
        path: '/u/b',
        mediaType: null,
        title: null,
        createdAt,
      };
      await store.insertUpload(full);
      await store.insertUpload(bare);
      expect(await store.getUpload(full.id)).toEqual(full);
      expect(await store.getUpload(bare.id)).toEqual(bare);
      expect(await store.getUpload('upload0000000003')).toBeNull();
      expect(await rejection(store.insertUpload({ ...bare, path: '/u/c' }))).toBeTruthy();
    });

    it('expires old uploads no unfinished job uses, oldest first, in batches', async () => {
      const hourAgo = Date.now() - 3_600_000;
      const upload = (n: number, ageOffsetMs: number) => ({
        id: `expiry${String(n).padStart(10, '0')}`,
        path: `/u/expiry-${n}`,
        mediaType: null,
        title: null,
        createdAt: new Date(hourAgo + ageOffsetMs),
      });
      // 1-3 unused, oldest first; 4 used by a pending job, 5 by a delayed one, 6 in an array
      // input of a running job; 7 used only by a finished job; 8 is newer than the cutoff.
      const all = [1, 2, 3, 4, 5, 6, 7].map((n) => upload(n, n * 1000));
      const fresh = { ...upload(8, 0), createdAt: new Date() };
      for (const u of [...all, fresh]) await store.insertUpload(u);
      await store.insertJob(newJob({ inputs: { input: '/u/expiry-4' } }));
      await store.insertJob(
        newJob({ inputs: { input: '/u/expiry-5' }, notBefore: new Date(Date.now() + 3_600_000) }),
      );
      await jobIn(store, 'RUNNING', newJob({ inputs: { many: ['/u/other', '/u/expiry-6'] } }));
      await jobIn(store, 'COMPLETED', newJob({ inputs: { input: '/u/expiry-7' } }));
      const cutoff = new Date(Date.now() - 60_000);

      const first = await store.deleteUnusedUploadsBefore(cutoff, 2);
      expect(first.map((u) => u.id)).toEqual([all[0].id, all[1].id]);
      expect(first[0]).toEqual(all[0]);
      const rest = await store.deleteUnusedUploadsBefore(cutoff, 10);
      expect(rest.map((u) => u.id)).toEqual([all[2].id, all[6].id]);
      expect(await store.deleteUnusedUploadsBefore(cutoff, 10)).toEqual([]);
      for (const n of [0, 1, 2, 6]) expect(await store.getUpload(all[n].id)).toBeNull();
      for (const kept of [all[3], all[4], all[5], fresh]) {
        expect(await store.getUpload(kept.id)).toEqual(kept);
      }
    });
  });

  describe('usage statistics', () => {
    it('counts jobs per month and service, whatever their state', async () => {
      const first = month();
      for (const service of ['words', 'head', 'words', 'words']) {
        await store.insertJob(newJob({ service }));
      }
      await jobIn(store, 'COMPLETED', newJob({ service: 'head' }));
      const rows = await store.usageStats();
      if (month() !== first) return; // the month changed while we counted
      expect(rows).toEqual([
        { month: first, service: 'head', count: 2 },
        { month: first, service: 'words', count: 3 },
      ]);
    });

    it('is empty for an empty store', async () => {
      expect(await store.usageStats()).toEqual([]);
    });
  });

  describe('retention', () => {
    it('deletes finished jobs completed before the cutoff, oldest first, in batches', async () => {
      const finished = [];
      for (const state of ['COMPLETED', 'FAILED', 'DELETED'] as JobState[]) {
        finished.push(await jobIn(store, state));
      }
      const running = await jobIn(store, 'RUNNING');
      const pending = await jobIn(store, 'PENDING');
      expect(await store.deleteFinishedBefore(new Date(Date.now() - 60_000), 10)).toEqual([]);
      const cutoff = new Date(Date.now() + 60_000);
      const first = await store.deleteFinishedBefore(cutoff, 2);
      expect(first).toHaveLength(2);
      const rest = await store.deleteFinishedBefore(cutoff, 10);
      expect([...first, ...rest].map((j) => j.id).sort()).toEqual([...finished].sort());
      expect(rest[0].workDir).toBeTruthy();
      for (const id of finished) expect(await store.getJob(id)).toBeNull();
      expect((await store.getJob(running))?.state).toBe('RUNNING');
      expect((await store.getJob(pending))?.state).toBe('PENDING');
      expect(await store.deleteFinishedBefore(cutoff, 10)).toEqual([]);
    });
  });

  it('answers a ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
}
