import type { JobState } from '../../src/jobs';
import { SchedulerHarness } from '../helpers/scheduler-harness';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(60_000);

let h: SchedulerHarness;
let stopWatching: (() => void) | undefined;

beforeEach(async () => {
  // info: the stop's report (released, in doubt, with agents) is logged at that level.
  h = await SchedulerHarness.create({ 'local-agent.slots': 8, 'log.level': 'info' });
});

afterEach(async () => {
  stopWatching?.();
  await h?.close();
});

const count = (ledger: string[], id: string): number => ledger.filter((x) => x === id).length;

/** Every state the store shows for the jobs, sampled often, so a passing UNKNOWN is seen. */
function watchStates(ids: string[]): { seen: Map<string, Set<JobState>>; stop: () => void } {
  const seen = new Map(ids.map((id) => [id, new Set<JobState>()]));
  const timer = setInterval(() => {
    for (const id of ids) {
      void h.store.getJob(id).then((job) => {
        if (job) seen.get(id)?.add(job.state);
      });
    }
  }, 5);
  stopWatching = () => clearInterval(timer);
  return { seen, stop: stopWatching };
}

/** SIGTERM, then how long the process took to exit and with what code. */
async function terminate(child: ReturnType<SchedulerHarness['scheduler']>): Promise<{
  code: number | null;
  exitMs: number;
}> {
  const sentAt = Date.now();
  child.child.kill('SIGTERM');
  const code = await child.exited;
  return { code, exitMs: Date.now() - sentAt };
}

describe('a graceful scheduler stop drains and releases', () => {
  it('hands a claimed, unsent job back: PENDING, no attempt lost, run at once by the next', async () => {
    const scheduler = h.scheduler({ DAMSON_FAILPOINT: 'scheduler-before-dispatch:delay=1500' });
    h.agent();
    const job = await h.submit('ledger');
    const states = watchStates([job.id]);
    const claimed = await waitFor(
      async () => {
        const j = await h.store.getJob(job.id);
        return j?.state === 'ACCEPTED' ? j : undefined;
      },
      'the claim',
      15_000,
      5,
    );
    const { code, exitMs } = await terminate(scheduler);
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(4000);
    const released = await h.store.getJob(job.id);
    expect(released).toMatchObject({
      state: 'PENDING',
      lostAttempts: 0,
      leaseOwner: null,
      fencingToken: claimed.fencingToken,
    });
    expect(h.ledger()).not.toContain(job.id);
    expect(scheduler.output()).toMatch(/"released":1/);

    h.scheduler();
    const done = await h.waitForState(job.id, ['COMPLETED']);
    states.stop();
    expect(done.lostAttempts).toBe(0);
    expect(done.attempt).toBe(2);
    expect(count(h.ledger(), job.id)).toBe(1);
    expect([...(states.seen.get(job.id) ?? [])]).not.toContain('UNKNOWN');
  });

  it('leaves running jobs with their agent; the next scheduler adopts them, none lost', async () => {
    const scheduler = h.scheduler();
    const agent = h.agent();
    const jobs = await Promise.all([1, 2, 3].map(() => h.submit('ledger', { seconds: 2 })));
    for (const job of jobs) await h.waitForState(job.id, ['RUNNING']);
    const states = watchStates(jobs.map((j) => j.id));
    const { code, exitMs } = await terminate(scheduler);
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(4000);
    expect(scheduler.output()).toMatch(/"released":0/);
    expect(scheduler.output()).toMatch(/"withAgents":3/);
    for (const job of jobs) expect((await h.store.getJob(job.id))?.state).toBe('RUNNING');
    expect(agent.child.exitCode).toBeNull();

    h.scheduler();
    for (const job of jobs) {
      const done = await h.waitForState(job.id, ['COMPLETED', 'FAILED', 'ERROR', 'INTERRUPTED']);
      expect([done.state, done.attempt, done.lostAttempts]).toEqual(['COMPLETED', 1, 0]);
    }
    states.stop();
    const ledger = h.ledger();
    for (const job of jobs) {
      expect(count(ledger, job.id)).toBe(1);
      expect([...(states.seen.get(job.id) ?? [])]).not.toContain('UNKNOWN');
    }
  });

  it('leaves a dispatch no agent acknowledged in doubt: not released, not run twice', async () => {
    // Heartbeats of 1 s: the frozen agent stays alive (3 s) long enough to be dispatched to.
    await h.close();
    h = await SchedulerHarness.create({
      'local-agent.slots': 8,
      'log.level': 'info',
      'scheduler.heartbeat-interval': 1000,
    });
    const scheduler = h.scheduler();
    const agent = h.agent();
    await waitFor(
      async () => (/agent joined/.test(scheduler.output()) ? true : undefined),
      'the agent',
    );
    // A frozen agent receives the dispatch later but cannot acknowledge it before the stop.
    process.kill(agent.pid, 'SIGSTOP');
    try {
      const job = await h.submit('ledger', { seconds: 0.3 });
      await waitFor(
        async () => ((await h.store.getJob(job.id))?.state === 'ACCEPTED' ? true : undefined),
        'the claim',
        15_000,
        5,
      );
      const { code, exitMs } = await terminate(scheduler);
      expect(code).toBe(0);
      expect(exitMs).toBeLessThan(5000);
      expect(scheduler.output()).toMatch(/"inDoubt":1/);
      expect((await h.store.getJob(job.id))?.state).toBe('ACCEPTED');
      process.kill(agent.pid, 'SIGCONT');
      h.scheduler();
      const done = await h.waitForState(job.id, ['COMPLETED', 'FAILED', 'ERROR', 'INTERRUPTED']);
      expect([done.state, done.attempt, done.lostAttempts]).toEqual(['COMPLETED', 1, 0]);
      expect(count(h.ledger(), job.id)).toBe(1);
    } finally {
      process.kill(agent.pid, 'SIGCONT');
    }
  });
});
