import path from 'node:path';
import { jobDirectoryRelative, newJobId, type Job, type JobInputs } from '../../src/jobs';
import { REPO_ROOT } from '../helpers/damson-home';
import { SchedulerHarness } from '../helpers/scheduler-harness';

jest.setTimeout(60_000);

const SERVICES = path.join(REPO_ROOT, 'test/fixtures/launch-services');

let h: SchedulerHarness;

beforeAll(async () => {
  h = await SchedulerHarness.create(
    {
      'scheduler.retries': 1,
      'scheduler.breaker-failures': 3,
      // An open breaker would hold the next job back far longer than the test waits for it.
      'scheduler.breaker-backoff': 30_000,
    },
    SERVICES,
  );
  h.scheduler();
  h.agent();
});

afterAll(async () => {
  await h?.close();
});

/** Straight into the store: the HTTP layer refuses some of these values before they get here. */
async function submit(service: string, inputs: JobInputs): Promise<Job> {
  const id = newJobId();
  return h.store.insertJob({
    id,
    service,
    inputs,
    parameters: {},
    workDir: jobDirectoryRelative(id),
  });
}

describe('a launch that can never succeed is the job’s own ERROR, not a lost attempt', () => {
  const cases: [string, string, JobInputs, RegExp][] = [
    ['a 200,000-character value', 'echo', { value: 'x'.repeat(200_000) }, /too long \(E2BIG\)/],
    ['a 1,000,000-character value', 'echo', { value: 'y'.repeat(1_000_000) }, /too long \(E2BIG\)/],
    ['a NUL byte in an argument', 'echo', { value: 'a\u0000b' }, /NUL byte/],
    ['a tool path that does not exist', 'no-tool', {}, /not found \(exit status 127\)/],
    [
      'a tool without execute permission',
      'not-executable',
      {},
      /cannot be executed \(exit status 126\)/,
    ],
  ];

  it.each(cases)(
    '%s ends ERROR once with a readable reason',
    async (_what, service, inputs, why) => {
      const job = await submit(service, inputs);
      const done = await h.waitForState(job.id, ['ERROR', 'FAILED', 'COMPLETED', 'INTERRUPTED']);
      expect(done.state).toBe('ERROR');
      expect(done.reason).toMatch(/^the command could not be started: /);
      expect(done.reason).toMatch(why);
      // Neither the value nor a server path is echoed back to the user.
      expect(done.reason!.length).toBeLessThan(200);
      expect(done.reason).not.toContain(h.home.home);
      expect(done.attempt).toBe(1);
      expect(done.lostAttempts).toBe(0);
    },
  );

  it('does not open the runner’s breaker: a normal job right after runs at once', async () => {
    const bad = await Promise.all([
      submit('echo', { value: 'z'.repeat(300_000) }),
      submit('echo', { value: '\u0000' }),
      submit('echo', { value: 'c\u0000d' }),
      submit('echo', { value: 'w'.repeat(500_000) }),
      submit('no-tool', {}),
      submit('echo', { value: 'v'.repeat(150_000) }),
    ]);
    for (const job of bad) {
      const done = await h.waitForState(job.id, ['ERROR', 'FAILED', 'COMPLETED', 'INTERRUPTED']);
      expect(done).toMatchObject({ state: 'ERROR', attempt: 1, lostAttempts: 0 });
    }
    const health = await h.store.listRunnerHealth('echo');
    expect(health.filter((r) => r.state !== 'closed' || r.consecutiveFailures > 0)).toEqual([]);
    const good = await submit('echo', { value: 'hello' });
    const done = await h.waitForState(good.id, ['COMPLETED'], 5000);
    expect(done.exitCode).toBe(0);
  });
});
