import { SchedulerHarness } from '../helpers/scheduler-harness';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(60_000);

let h: SchedulerHarness;

beforeEach(async () => {
  h = await SchedulerHarness.create({ 'local-agent.slots': 8 });
});

afterEach(async () => {
  await h?.close();
});

const count = (ledger: string[], id: string): number => ledger.filter((x) => x === id).length;

describe('restarts lose no job and run none twice', () => {
  it('adopts running jobs after the scheduler is killed (-9) and restarted', async () => {
    const scheduler = h.scheduler();
    h.agent();
    const jobs = await Promise.all([1, 2, 3].map(() => h.submit('ledger', { seconds: 1.5 })));
    for (const job of jobs) await h.waitForState(job.id, ['RUNNING']);
    await scheduler.kill('SIGKILL');
    h.scheduler();
    for (const job of jobs) {
      const done = await h.waitForState(job.id, ['COMPLETED']);
      expect(done.attempt).toBe(1);
    }
    const ledger = h.ledger();
    for (const job of jobs) expect(count(ledger, job.id)).toBe(1);
  });

  it('a restarted agent learns how the jobs it started before ended', async () => {
    h.scheduler();
    const agent = h.agent();
    const ok = await h.submit('ledger', { seconds: 0.5 });
    const failing = await h.submit('ledger', { seconds: 0.5, code: 3 });
    const long = await h.submit('ledger', { seconds: 2.5 });
    for (const job of [ok, failing, long]) await h.waitForState(job.id, ['RUNNING']);
    await agent.kill('SIGKILL');
    // Wait until the two short jobs have ended while no agent was watching.
    await new Promise((r) => setTimeout(r, 900));
    h.agent();
    const a = await h.waitForState(ok.id, ['COMPLETED', 'FAILED', 'ERROR', 'INTERRUPTED']);
    const b = await h.waitForState(failing.id, ['COMPLETED', 'FAILED', 'ERROR', 'INTERRUPTED']);
    const c = await h.waitForState(long.id, ['COMPLETED', 'FAILED', 'ERROR', 'INTERRUPTED']);
    expect([a.state, a.exitCode, a.attempt]).toEqual(['COMPLETED', 0, 1]);
    expect([b.state, b.exitCode, b.attempt]).toEqual(['FAILED', 3, 1]);
    expect([c.state, c.attempt]).toEqual(['COMPLETED', 1]);
    const ledger = h.ledger();
    for (const job of [ok, failing, long]) expect(count(ledger, job.id)).toBe(1);
  });

  it('releases jobs claimed by a scheduler that died before dispatching them', async () => {
    h.scheduler({ DAMSON_FAILPOINT: 'scheduler-after-claim' });
    h.agent();
    const job = await h.submit('ledger');
    await waitFor(async () => {
      const j = await h.store.getJob(job.id);
      return j?.state === 'ACCEPTED' ? j : undefined;
    }, 'the claim');
    h.scheduler();
    const done = await h.waitForState(job.id, ['COMPLETED']);
    expect(done.attempt).toBe(2);
    expect(count(h.ledger(), job.id)).toBe(1);
  });

  it('a job dispatched just before the scheduler died is not run twice', async () => {
    h.scheduler({ DAMSON_FAILPOINT: 'scheduler-after-dispatch' });
    h.agent();
    const job = await h.submit('ledger', { seconds: 0.3 });
    await waitFor(async () => (h.ledger().includes(job.id) ? true : undefined), 'the run');
    h.scheduler();
    const done = await h.waitForState(job.id, ['COMPLETED']);
    expect(done.lostAttempts).toBe(0);
    expect(count(h.ledger(), job.id)).toBe(1);
  });
});
