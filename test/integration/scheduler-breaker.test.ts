import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SchedulerHarness } from '../helpers/scheduler-harness';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(40_000);

let h: SchedulerHarness;

beforeAll(async () => {
  h = await SchedulerHarness.create({
    'scheduler.retries': 0,
    'scheduler.max-retries': 1,
    'scheduler.breaker-failures': 3,
    'scheduler.breaker-backoff': 1500,
  });
  // A job directory under a regular file cannot be created: a real infrastructure failure.
  mkdirSync(h.jobsDirectory, { recursive: true });
  writeFileSync(path.join(h.jobsDirectory, 'blocker'), '');
  h.scheduler();
  h.agent();
});

afterAll(async () => {
  await h?.close();
});

const broken = (n: number): { workDir: string } => ({ workDir: `blocker/job-${n}` });

describe('infrastructure failures: retries with a cap, and a circuit breaker per runner', () => {
  it('retries a lost attempt no more often than the settings cap allows', async () => {
    const job = await h.submit('capped', {}, broken(0));
    const done = await h.waitForState(job.id, ['ERROR']);
    expect(done.attempt).toBe(2);
    expect(done.lostAttempts).toBe(2);
    expect(done.reason).toMatch(/cannot prepare the job directory.*no retries left/);
  });

  it('opens after consecutive failures, holds jobs back, probes after a backoff, closes on success', async () => {
    for (let n = 1; n <= 3; n++) {
      const job = await h.submit('ledger', {}, broken(n));
      await h.waitForState(job.id, ['ERROR']);
    }
    const open = await waitFor(async () => {
      const [health] = await h.store.listRunnerHealth('ledger');
      return health?.state === 'open' ? health : undefined;
    }, 'the breaker to open');
    expect(open.consecutiveFailures).toBe(3);
    expect(open.retryAt!.getTime()).toBeGreaterThan(Date.now());
    const status = (await h.store.currentServiceStatuses()).find((r) => r.service === 'ledger');
    expect(status).toMatchObject({ runner: 'default', status: 'DOWN' });
    expect(status!.message).toMatch(/circuit breaker open/);
    const good = await h.submit('ledger');
    await new Promise((r) => setTimeout(r, 500));
    expect((await h.store.getJob(good.id))!.state).toBe('PENDING');
    const done = await h.waitForState(good.id, ['COMPLETED'], 5000);
    expect(done.completedAt!.getTime()).toBeGreaterThanOrEqual(open.retryAt!.getTime());
    const [health] = await h.store.listRunnerHealth('ledger');
    expect(health.state).toBe('closed');
    expect(health.consecutiveFailures).toBe(0);
  });
});
