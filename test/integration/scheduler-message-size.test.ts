import { MAX_MESSAGE_BYTES } from '../../src/transport/protocol';
import { SchedulerHarness } from '../helpers/scheduler-harness';

jest.setTimeout(60_000);

let h: SchedulerHarness;

afterAll(async () => {
  await h?.close();
});

describe('a dispatch over the link limit', () => {
  it('ends its job ERROR at once, naming the limit, and never cuts the agent off', async () => {
    // The default heartbeat: at the harness's 200 ms, encoding three 4 MiB messages on a loaded
    // machine may keep the scheduler silent long enough for the agent to say hello again.
    h = await SchedulerHarness.create({
      'log.level': 'info',
      'scheduler.breaker-failures': 2,
      'scheduler.heartbeat-interval': 1000,
    });
    const scheduler = h.scheduler();
    const agent = h.agent();
    const warmUp = await h.submit('ledger');
    await h.waitForState(warmUp.id, ['COMPLETED']);
    // From here on: an agent started before the scheduler listened may say hello twice at first.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const [schedulerFrom, agentFrom] = [scheduler.output().length, agent.output().length];
    // Straight into the store, past the server's checks: only the scheduler stands in the way.
    const value = '1'.repeat(MAX_MESSAGE_BYTES);
    const tooLarge = await Promise.all([1, 2, 3].map(() => h.submit('ledger', { seconds: value })));
    for (const job of tooLarge) {
      const ended = await h.waitForState(job.id, ['ERROR', 'COMPLETED', 'FAILED']);
      expect(ended.state).toBe('ERROR');
      expect(ended.reason).toMatch(new RegExp(`limit of ${MAX_MESSAGE_BYTES} bytes`));
      expect(ended.attempt).toBe(1);
      expect(ended.lostAttempts).toBe(0);
    }
    // The next normal job runs on the same link right away: it was never broken, and three
    // oversized jobs (over breaker-failures) did not open the runner's breaker.
    const next = await h.submit('ledger');
    const done = await h.waitForState(next.id, ['COMPLETED'], 5000);
    expect(done.exitCode).toBe(0);
    expect(h.ledger()).toEqual([warmUp.id, next.id]);
    const health = await h.store.listRunnerHealth('ledger');
    expect(health.every((runner) => runner.state === 'closed')).toBe(true);
    const schedulerLog = scheduler.output().slice(schedulerFrom);
    expect(schedulerLog).not.toMatch(/agent lost|agent joined/);
    expect(schedulerLog).toMatch(/agent link's limit/);
    expect(agent.output().slice(agentFrom)).not.toMatch(/scheduler silent|malformed/);
  });
});
