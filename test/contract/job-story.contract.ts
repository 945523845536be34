import {
  CANCELLED_BEFORE_START,
  completedRun,
  jobDirectoryRelative,
  MAX_HISTORY_ENTRIES,
  newJobId,
  type Job,
  type JobCallback,
  type JobState,
} from '../../src/jobs';
import type { JobStore } from '../../src/store/job-store';

/**
 * What the job resource's story needs from any JobStore: the history written with each state
 * change (bounded), the cancel reason, queue positions in claim order and recent histories.
 */
export function jobStoryContract(name: string, makeStore: () => Promise<JobStore>): void {
  describe(`${name}: job story contract`, () => {
    let store: JobStore;
    let services = 0;
    let service: string;

    beforeEach(async () => {
      store = await makeStore();
      service = `story-${++services}`;
    });

    afterEach(async () => {
      await store.close();
    });

    const add = (
      extra: {
        priority?: number;
        notBefore?: Date;
        service?: string;
        callback?: JobCallback;
      } = {},
    ) => {
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
    const states = (job: Job | null): JobState[] => job!.history.map((e) => e.state);
    const claimOne = async (): Promise<Job> => {
      const [claimed] = await store.claimPending('story', 60_000, 1, service);
      return claimed;
    };

    it('records each state entered, with its time, in the write that changes it', async () => {
      const before = Date.now();
      const job = await add();
      expect(states(job)).toEqual(['PENDING']);
      const claimed = await claimOne();
      expect(states(claimed)).toEqual(['PENDING', 'ACCEPTED']);
      const token = claimed.fencingToken;
      expect(
        states(await store.transition(job.id, 'QUEUED', token, { runner: 'default' })),
      ).toEqual(['PENDING', 'ACCEPTED', 'QUEUED']);
      await store.transition(job.id, 'RUNNING', token, { externalId: '42' });
      // A lease renewal in the same state is no new entry.
      await store.transition(job.id, 'RUNNING', token, { leaseMs: 60_000 });
      const done = await store.transition(job.id, 'FAILED', token, {
        exitCode: 3,
        reason: 'exit status 3',
      });
      expect(states(done)).toEqual(['PENDING', 'ACCEPTED', 'QUEUED', 'RUNNING', 'FAILED']);
      expect(done).toMatchObject({ exitCode: 3, reason: 'exit status 3', runner: 'default' });
      const times = done!.history.map((e) => e.at.getTime());
      expect(times[0]).toBeGreaterThanOrEqual(before - 1000);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(done!.history[4].at.getTime()).toBe(done!.completedAt!.getTime());
      expect(await store.getJob(job.id)).toEqual(done);
    });

    it('gives a job cancelled before it started its reason, and a delayed job its first state', async () => {
      const delayed = await add({ notBefore: new Date(Date.now() + 3_600_000) });
      expect(states(delayed)).toEqual(['QUEUED']);
      const outcome = await store.requestCancel(delayed.id);
      expect(outcome.kind).toBe('deleted');
      const deleted = await store.getJob(delayed.id);
      expect(states(deleted)).toEqual(['QUEUED', 'DELETED']);
      expect(deleted!.reason).toBe(CANCELLED_BEFORE_START);
    });

    it('records CANCELLING once however often a running job is cancelled', async () => {
      const job = await add();
      const { fencingToken } = await claimOne();
      await store.transition(job.id, 'QUEUED', fencingToken);
      await store.transition(job.id, 'RUNNING', fencingToken);
      await store.requestCancel(job.id);
      await store.requestCancel(job.id);
      const ended = await store.transition(job.id, 'INTERRUPTED', fencingToken, {
        reason: 'cancelled',
      });
      expect(states(ended)).toEqual([
        'PENDING',
        'ACCEPTED',
        'QUEUED',
        'RUNNING',
        'CANCELLING',
        'INTERRUPTED',
      ]);
    });

    it('keeps only the latest entries of a job retried many times', async () => {
      const job = await add();
      const rounds = Math.ceil(MAX_HISTORY_ENTRIES / 4) + 2;
      for (let i = 0; i < rounds; i++) {
        const { fencingToken } = await claimOne();
        await store.transition(job.id, 'QUEUED', fencingToken);
        await store.transition(job.id, 'RUNNING', fencingToken);
        await store.transition(job.id, 'PENDING', fencingToken, { lost: true });
      }
      const { fencingToken } = await claimOne();
      await store.transition(job.id, 'QUEUED', fencingToken);
      await store.transition(job.id, 'RUNNING', fencingToken);
      const done = await store.transition(job.id, 'COMPLETED', fencingToken, { exitCode: 0 });
      expect(done!.history).toHaveLength(MAX_HISTORY_ENTRIES);
      expect(states(done).slice(-4)).toEqual(['ACCEPTED', 'QUEUED', 'RUNNING', 'COMPLETED']);
      expect(done!.lostAttempts).toBe(rounds);
      expect(completedRun(done!.history)).not.toBeNull();
    });

    it('counts the jobs of the same service a claim takes first', async () => {
      const a = await add();
      const b = await add();
      const urgent = await add({ priority: 5 });
      const later = await add({ priority: 9, notBefore: new Date(Date.now() + 3_600_000) });
      const elsewhere = await add({ service: `${service}-other`, priority: 50 });
      const position = (job: Job): Promise<number> => store.queuePosition(job, 100);
      expect(await position(urgent)).toBe(0);
      expect(await position(a)).toBe(1);
      expect(await position(b)).toBe(2);
      // Due in an hour and outranking all: first in line by then.
      expect(await position(later)).toBe(0);
      expect(await position(elsewhere)).toBe(0);
      expect(await store.queuePosition(b, 1)).toBe(1);
      const claimed = await claimOne();
      expect(claimed.id).toBe(urgent.id);
      expect(await position(a)).toBe(0);
      expect(await position(b)).toBe(1);
    });

    it('gives the latest histories of a service, newest first, at most the window', async () => {
      const first = await add();
      const second = await add();
      await add({ service: `${service}-other` });
      const third = await add();
      const histories = await store.recentHistories(service, 2);
      expect(histories).toEqual([third.history, second.history]);
      expect((await store.recentHistories(service, 10)).at(-1)).toEqual(first.history);
    });
    describe('webhook deliveries', () => {
      const hook = (events: JobCallback['events'] = 'finished'): JobCallback => ({
        url: 'https://hooks.example.org/in',
        events,
      });
      const run = async (job: Job, end: JobState = 'COMPLETED'): Promise<number> => {
        const { fencingToken } = await claimOne();
        await store.transition(job.id, 'QUEUED', fencingToken);
        await store.transition(job.id, 'RUNNING', fencingToken);
        await store.transition(job.id, 'RUNNING', fencingToken, { leaseMs: 60_000 });
        await store.transition(job.id, end, fencingToken, { exitCode: 0 });
        return fencingToken;
      };
      const events = async (job: Job): Promise<JobState[]> =>
        (await store.listDeliveries(job.id)).map((d) => d.event);

      it('records one delivery with the change that ends a job with a callback, none without', async () => {
        const plain = await add();
        await run(plain);
        expect(await store.listDeliveries(plain.id)).toEqual([]);
        const hooked = await add({ callback: hook() });
        expect((await store.getJob(hooked.id))!.callback).toEqual(hook());
        const token = await run(hooked);
        // A refused write (finished states absorb) records nothing.
        expect(await store.transition(hooked.id, 'FAILED', token)).toBeNull();
        const [delivery, ...more] = await store.listDeliveries(hooked.id);
        expect(more).toEqual([]);
        expect(delivery).toMatchObject({
          jobId: hooked.id,
          url: hook().url,
          event: 'COMPLETED',
          state: 'pending',
          body: null,
          attempts: [],
          attemptCount: 0,
        });
      });

      it('records every change but the claim for callback-events=all, and a cancel', async () => {
        const job = await add({ callback: hook('all') });
        await run(job);
        expect(await events(job)).toEqual(['QUEUED', 'RUNNING', 'COMPLETED']);
        const delayed = await add({
          callback: hook(),
          notBefore: new Date(Date.now() + 3_600_000),
        });
        await store.requestCancel(delayed.id);
        expect(await events(delayed)).toEqual(['DELETED']);
        const running = await add({ callback: hook('all') });
        const { fencingToken } = await claimOne();
        await store.transition(running.id, 'QUEUED', fencingToken);
        await store.requestCancel(running.id);
        await store.requestCancel(running.id);
        await store.transition(running.id, 'INTERRUPTED', fencingToken, { reason: 'cancelled' });
        expect(await events(running)).toEqual(['QUEUED', 'CANCELLING', 'INTERRUPTED']);
      });

      it('leases a due delivery to one owner, who alone records its outcome', async () => {
        const job = await add({ callback: hook() });
        await run(job);
        const [mine] = await store.claimDeliveries('deliverer-a', 60_000, 10);
        expect(mine.jobId).toBe(job.id);
        expect(await store.claimDeliveries('deliverer-b', 60_000, 10)).toEqual([]);
        const attempt = { at: new Date(), statusCode: 503, error: null };
        const retryAt = new Date(Date.now() + 3_600_000);
        const outcome = {
          body: '{"id":1}',
          attempt,
          state: 'pending' as const,
          nextAttemptAt: retryAt,
        };
        expect(await store.recordDelivery(mine.id, 'deliverer-b', outcome)).toBe(false);
        expect(await store.recordDelivery(mine.id, 'deliverer-a', outcome)).toBe(true);
        // Released, but not due before its next attempt time.
        expect(await store.claimDeliveries('deliverer-b', 60_000, 10)).toEqual([]);
        const [recorded] = await store.listDeliveries(job.id);
        expect(recorded).toMatchObject({
          state: 'pending',
          body: '{"id":1}',
          attemptCount: 1,
          attempts: [{ statusCode: 503, error: null }],
          leaseOwner: null,
        });
        expect(recorded.nextAttemptAt.getTime()).toBe(retryAt.getTime());
      });

      it('forgets the deliveries of a job removed by retention', async () => {
        const job = await add({ callback: hook() });
        await run(job);
        expect(await store.listDeliveries(job.id)).toHaveLength(1);
        const removed = await store.deleteFinishedBefore(new Date(Date.now() + 60_000), 1000);
        expect(removed.map((j) => j.id)).toContain(job.id);
        expect(await store.listDeliveries(job.id)).toEqual([]);
        expect(await store.claimDeliveries('after', 60_000, 10)).toEqual([]);
      });

      it('lets another owner take a delivery whose lease ran out, and never a delivered one', async () => {
        const job = await add({ callback: hook() });
        await run(job);
        const [first] = await store.claimDeliveries('dead', 1, 10);
        await new Promise((resolve) => setTimeout(resolve, 20));
        const [taken] = await store.claimDeliveries('alive', 60_000, 10);
        expect(taken.id).toBe(first.id);
        expect(
          await store.recordDelivery(first.id, 'dead', {
            body: '{}',
            attempt: { at: new Date(), statusCode: 200, error: null },
            state: 'delivered',
            nextAttemptAt: new Date(),
          }),
        ).toBe(false);
        await store.recordDelivery(taken.id, 'alive', {
          body: '{}',
          attempt: { at: new Date(), statusCode: 204, error: null },
          state: 'delivered',
          nextAttemptAt: new Date(),
        });
        expect(await store.claimDeliveries('other', 60_000, 10)).toEqual([]);
        expect((await store.listDeliveries(job.id))[0].state).toBe('delivered');
      });
    });
  });
}
