import { isDelayed, jobDirectoryRelative, newJobId, type Job } from '../../src/jobs';
import type { JobStore } from '../../src/store/job-store';

/**
 * What the scheduler needs from any JobStore: claims with leases and fencing tokens, per-service
 * claims and the pending summary, batched transitions, lost-attempt counting, runner health.
 * Each store's test file calls this with a factory giving a fresh, empty store.
 */
const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export function jobStoreSchedulingContract(name: string, makeStore: () => Promise<JobStore>): void {
  describe(`${name}: scheduling contract`, () => {
    let store: JobStore;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await store.close();
    });

    const add = (
      service = 's',
      extra: { priority?: number; notBefore?: Date } = {},
    ): Promise<Job> => {
      const id = newJobId();
      return store.insertJob({
        id,
        service,
        inputs: {},
        parameters: {},
        workDir: jobDirectoryRelative(id),
        ...extra,
      });
    };

    it('claims by priority, then submission order, with a fresh token and attempt each time', async () => {
      const a = await add();
      const b = await add('s', { priority: 2 });
      const c = await add();
      const claimed = await store.claimPending('me', 10_000, 2);
      expect(claimed.map((j) => j.id)).toEqual([b.id, a.id]);
      for (const job of claimed) {
        expect(job.state).toBe('ACCEPTED');
        expect(job.leaseOwner).toBe('me');
        expect(job.attempt).toBe(1);
        expect(job.fencingToken).toBeGreaterThan(0);
        expect(job.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now());
      }
      expect((await store.claimPending('me', 10_000, 5)).map((j) => j.id)).toEqual([c.id]);
      expect(await store.claimPending('me', 10_000, 5)).toEqual([]);
    });

    it('claims one service only when asked, and summarises what is due per service', async () => {
      await add('x');
      await add('x');
      const y = await add('y');
      const later = new Date(Date.now() + 60_000);
      await add('y', { notBefore: later });
      const summary = await store.pendingSummary();
      expect(summary.services).toEqual([
        { service: 'x', due: 2 },
        { service: 'y', due: 1 },
      ]);
      expect(summary.nextDueAt!.getTime()).toBe(later.getTime());
      expect((await store.claimPending('me', 10_000, 5, 'y')).map((j) => j.id)).toEqual([y.id]);
    });

    it('finds a due job queued behind many delayed ones', async () => {
      const later = new Date(Date.now() + 60_000);
      for (let i = 0; i < 30; i++) await add('s', { notBefore: later });
      const due = await add();
      expect((await store.pendingSummary()).services).toEqual([{ service: 's', due: 1 }]);
      expect((await store.claimPending('me', 10_000, 1)).map((j) => j.id)).toEqual([due.id]);
      expect((await store.claimPending('me', 10_000, 1, 's')).map((j) => j.id)).toEqual([]);
    });

    it('stores a job whose not-before is ahead as delayed: QUEUED with no owner', async () => {
      const delayed = await add('s', { notBefore: new Date(Date.now() + 60_000) });
      const due = await add('s', { notBefore: new Date(Date.now() - 1000) });
      expect([delayed.state, delayed.leaseOwner, delayed.attempt]).toEqual(['QUEUED', null, 0]);
      expect(isDelayed(delayed)).toBe(true);
      expect((await store.getJob(delayed.id))!.state).toBe('QUEUED');
      expect(due.state).toBe('PENDING');
      const listed = await store.listJobs({ states: ['QUEUED'], limit: 10 });
      expect(listed.jobs.map((j) => j.id)).toEqual([delayed.id]);
    });

    it('claims a delayed job once it is due, and never drives it before', async () => {
      const at = new Date(Date.now() + 1500);
      const job = await add('s', { notBefore: at });
      expect(await store.claimPending('me', 10_000, 5, 's')).toEqual([]);
      expect(await store.pendingSummary()).toEqual({ services: [], nextDueAt: at });
      expect(await store.listActive(10)).toEqual([]);
      await sleep(at.getTime() - Date.now() + 20);
      expect(await store.pendingSummary()).toEqual({
        services: [{ service: 's', due: 1 }],
        nextDueAt: null,
      });
      expect((await store.getJob(job.id))!.state).toBe('QUEUED');
      const [claimed] = await store.claimPending('me', 10_000, 5, 's');
      expect([claimed.id, claimed.state, claimed.leaseOwner, claimed.attempt]).toEqual([
        job.id,
        'ACCEPTED',
        'me',
        1,
      ]);
      const queued = (await store.transition(job.id, 'QUEUED', claimed.fencingToken))!;
      expect(isDelayed(queued)).toBe(false);
      expect((await store.listActive(10)).map((j) => j.id)).toEqual([job.id]);
      expect(await store.claimPending('me', 10_000, 5, 's')).toEqual([]);
      // A lost attempt goes back to PENDING (due by now) and is claimed again.
      await store.transition(job.id, 'PENDING', claimed.fencingToken, { lost: true });
      const [again] = await store.claimPending('me', 10_000, 5, 's');
      expect([again.id, again.attempt, again.lostAttempts]).toEqual([job.id, 2, 1]);
    });

    it('deletes a delayed job at once on cancel, and never claims it after', async () => {
      const at = new Date(Date.now() + 300);
      const job = await add('s', { notBefore: at });
      const outcome = await store.requestCancel(job.id);
      expect(outcome.kind).toBe('deleted');
      const deleted = (await store.getJob(job.id))!;
      expect(outcome).toEqual({ kind: 'deleted', job: deleted });
      expect([deleted.state, deleted.cancelRequested, deleted.leaseOwner]).toEqual([
        'DELETED',
        true,
        null,
      ]);
      expect(deleted.completedAt).not.toBeNull();
      await sleep(at.getTime() - Date.now() + 20);
      expect(await store.pendingSummary()).toEqual({ services: [], nextDueAt: null });
      expect(await store.claimPending('me', 10_000, 5, 's')).toEqual([]);
      expect(await store.claimPending('me', 10_000, 5)).toEqual([]);
      expect((await store.getJob(job.id))!.state).toBe('DELETED');
    });

    it('refuses a write with a stale token, and counts it', async () => {
      await add();
      const [first] = await store.claimPending('me', 10_000, 1);
      expect(
        await store.transition(first.id, 'PENDING', first.fencingToken, { lost: true }),
      ).not.toBeNull();
      const [second] = await store.claimPending('me', 10_000, 1);
      expect(second.fencingToken).toBeGreaterThan(first.fencingToken);
      expect(second.attempt).toBe(2);
      expect(second.lostAttempts).toBe(1);
      const before = await store.staleWriteCount();
      expect(await store.transition(first.id, 'COMPLETED', first.fencingToken)).toBeNull();
      expect(await store.staleWriteCount()).toBe(before + 1);
      expect((await store.transition(first.id, 'COMPLETED', second.fencingToken))!.state).toBe(
        'COMPLETED',
      );
    });

    it('applies batched transitions in order, each judged on its own', async () => {
      await add();
      await add();
      const [a, b] = await store.claimPending('me', 10_000, 2);
      const results = await store.transitionMany([
        { id: a.id, to: 'QUEUED', fencingToken: a.fencingToken, patch: { runner: 'default' } },
        { id: a.id, to: 'RUNNING', fencingToken: a.fencingToken, patch: { externalId: '7' } },
        { id: b.id, to: 'RUNNING', fencingToken: b.fencingToken + 1 },
        { id: a.id, to: 'COMPLETED', fencingToken: a.fencingToken, patch: { exitCode: 0 } },
        { id: a.id, to: 'FAILED', fencingToken: a.fencingToken },
      ]);
      expect(results.map((j) => j?.state ?? null)).toEqual([
        'QUEUED',
        'RUNNING',
        null,
        'COMPLETED',
        null,
      ]);
      const done = (await store.getJob(a.id))!;
      expect([done.runner, done.externalId, done.exitCode, done.leaseOwner]).toEqual([
        'default',
        '7',
        0,
        null,
      ]);
    });

    it('lets a job whose attempt was lost go back to PENDING, releasing its lease', async () => {
      await add();
      const [job] = await store.claimPending('me', 10_000, 1);
      await store.transition(job.id, 'RUNNING', job.fencingToken);
      await store.transition(job.id, 'UNKNOWN', job.fencingToken);
      const back = (await store.transition(job.id, 'PENDING', job.fencingToken, {
        lost: true,
        reason: 'lost',
      }))!;
      expect([back.state, back.leaseOwner, back.lostAttempts, back.reason]).toEqual([
        'PENDING',
        null,
        1,
        'lost',
      ]);
    });

    it('saves and lists runner health by service', async () => {
      const at = new Date(Date.now() + 5000);
      await store.saveRunnerHealth({
        service: 's',
        runner: 'default',
        state: 'open',
        consecutiveFailures: 5,
        retryAt: at,
        lastError: 'boom',
        updatedAt: new Date(),
      });
      await store.saveRunnerHealth({
        service: 't',
        runner: 'default',
        state: 'closed',
        consecutiveFailures: 0,
        retryAt: null,
        lastError: null,
        updatedAt: new Date(),
      });
      await store.saveRunnerHealth({
        service: 's',
        runner: 'default',
        state: 'half-open',
        consecutiveFailures: 5,
        retryAt: at,
        lastError: 'boom',
        updatedAt: new Date(),
      });
      const s = await store.listRunnerHealth('s');
      expect(s).toHaveLength(1);
      expect([
        s[0].state,
        s[0].consecutiveFailures,
        s[0].retryAt!.getTime(),
        s[0].lastError,
      ]).toEqual(['half-open', 5, at.getTime(), 'boom']);
      expect((await store.listRunnerHealth()).map((h) => h.service)).toEqual(['s', 't']);
    });
  });
}
