import { SchedulerHarness } from '../helpers/scheduler-harness';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(40_000);

let h: SchedulerHarness;

beforeAll(async () => {
  // The default heartbeat: the 3 s / 10 s promises are about it.
  h = await SchedulerHarness.create({ 'scheduler.heartbeat-interval': 1000 });
});

afterAll(async () => {
  await h?.close();
});

it('notices a dead agent within 3 s and retries its jobs within 10 s', async () => {
  h.scheduler();
  const first = h.agent(['--name', 'first']);
  const job = await h.submit('retrying', { seconds: 1 });
  await h.waitForState(job.id, ['RUNNING'], 10_000);
  await first.kill('SIGKILL');
  const killedAt = Date.now();
  await h.waitForState(job.id, ['UNKNOWN'], 5000);
  const noticedMs = Date.now() - killedAt;
  h.agent(['--name', 'second']);
  const retried = await waitFor(
    async () => {
      const j = await h.store.getJob(job.id);
      return j && j.lostAttempts === 1 ? j : undefined;
    },
    'the retry',
    12_000,
    20,
  );
  const handledMs = Date.now() - killedAt;
  const done = await h.waitForState(job.id, ['COMPLETED'], 10_000);
  process.stdout.write(`dead agent noticed after ${noticedMs} ms, retried after ${handledMs} ms\n`);
  expect(noticedMs).toBeLessThanOrEqual(3300);
  expect(handledMs).toBeLessThanOrEqual(10_000);
  expect(retried.reason).toMatch(/retrying/);
  expect(done.attempt).toBe(2);
});
