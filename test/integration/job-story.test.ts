import path from 'node:path';
import { jobDirectoryRelative, newJobId, type Job, type JobState } from '../../src/jobs';
import { jobResource } from '../../src/http/resources';
import { REPO_ROOT } from '../helpers/damson-home';
import { SchedulerHarness } from '../helpers/scheduler-harness';
import { waitFor } from '../helpers/wait-for';

/**
 * Every way a job can end, with real processes (scheduler, local agent, the tools themselves):
 * the resource says why (`reason`) and shows each state the job entered (`history`).
 */
jest.setTimeout(60_000);

const SERVICES = path.join(REPO_ROOT, 'test/fixtures/story-services');
const ENDED: JobState[] = ['COMPLETED', 'FAILED', 'ERROR', 'INTERRUPTED', 'DELETED', 'REJECTED'];

let h: SchedulerHarness;

beforeAll(async () => {
  h = await SchedulerHarness.create({ 'scheduler.retries': 1 }, SERVICES);
  h.scheduler();
  h.agent(['--name', 'story-1']);
});

afterAll(async () => {
  await h?.close();
});

interface Story {
  status: string;
  reason?: string;
  exitCode: number | null;
  runner: string | null;
  attempts: number;
  lostAttempts: number;
  priority: number;
  history: { state: JobState; time: string }[];
}

/** The job as a client reads it. */
const story = (job: Job): Story => jobResource('/api', job) as unknown as Story;
const states = (s: Story): JobState[] => s.history.map((e) => e.state);

async function submit(
  service: string,
  parameters: Record<string, string> = {},
  extra: { notBefore?: Date; workDir?: string } = {},
): Promise<Job> {
  const id = newJobId();
  return h.store.insertJob({
    id,
    service,
    inputs: parameters,
    parameters,
    workDir: jobDirectoryRelative(id),
    ...extra,
  });
}

const ended = (job: Job, timeoutMs = 15_000): Promise<Job> =>
  h.waitForState(job.id, ENDED, timeoutMs);

/** Times are in order, and the first is the submission. */
function expectTimeline(s: Story, job: Job): void {
  const times = s.history.map((e) => e.time);
  expect([...times].sort()).toEqual(times);
  expect(times[0]).toBe(jobResource('/api', job).submissionTime);
}

it('COMPLETED: no reason, and a history from submission to the end', async () => {
  const job = await submit('sleeper', { seconds: '0.3', code: '0' });
  // The first job also waits for the scheduler and the agent to start: ample time for that.
  const s = story(await ended(job, 45_000));
  expect(s.status).toBe('COMPLETED');
  expect(s.reason).toBeUndefined();
  expect(s).toMatchObject({ exitCode: 0, runner: 'default', attempts: 1, lostAttempts: 0 });
  expect(states(s)).toEqual(['PENDING', 'ACCEPTED', 'QUEUED', 'RUNNING', 'COMPLETED']);
  expectTimeline(s, job);
});

it('FAILED by its exit code: the reason names the code', async () => {
  const job = await submit('sleeper', { seconds: '0', code: '3' });
  const s = story(await ended(job));
  expect(s).toMatchObject({ status: 'FAILED', reason: 'exit status 3', exitCode: 3 });
  expect(states(s)[0]).toBe('PENDING');
  expect(states(s).at(-1)).toBe('FAILED');
  expect(states(s)).toContain('ACCEPTED');
  expectTimeline(s, job);
});

it('killed by a signal from outside Damson: the reason names the signal', async () => {
  const job = await submit('sleeper', { seconds: '30', code: '0' });
  const running = await h.waitForState(job.id, ['RUNNING']);
  process.kill(-Number(running.externalId), 'SIGKILL');
  const s = story(await ended(job));
  expect(s.status).toBe('INTERRUPTED');
  expect(s.reason).toMatch(/^killed by (SIGKILL|signal 9)$/);
  expect(states(s)).toEqual(['PENDING', 'ACCEPTED', 'QUEUED', 'RUNNING', 'INTERRUPTED']);
});

it('timed out: the reason names the limit', async () => {
  const job = await submit('timed', { seconds: '30', code: '0' });
  const s = story(await ended(job));
  expect(s).toMatchObject({ status: 'INTERRUPTED', reason: 'timed out after 1 s' });
  expect(states(s).slice(-2)).toEqual(['RUNNING', 'INTERRUPTED']);
});

it('cancelled before it started (delayed): DELETED, and it never reached an agent', async () => {
  const job = await submit('sleeper', {}, { notBefore: new Date(Date.now() + 3_600_000) });
  expect((await h.store.requestCancel(job.id)).kind).toBe('deleted');
  const s = story((await h.store.getJob(job.id))!);
  expect(s).toMatchObject({ status: 'DELETED', reason: 'cancelled before it started' });
  expect(states(s)).toEqual(['QUEUED', 'DELETED']);
  expect(s.attempts).toBe(0);
});

it('cancelled while running: the reason says so, the history shows the cancel', async () => {
  const job = await submit('sleeper', { seconds: '30', code: '0' });
  await h.waitForState(job.id, ['RUNNING']);
  expect((await h.store.requestCancel(job.id)).kind).toBe('cancelling');
  const s = story(await ended(job));
  expect(s.status).toBe('INTERRUPTED');
  expect(s.reason).toBe('cancelled');
  expect(states(s).slice(-3)).toEqual(['RUNNING', 'CANCELLING', 'INTERRUPTED']);
});

it('launch failure: ERROR, and the reason says the program was not found', async () => {
  const job = await submit('no-tool');
  const s = story(await ended(job));
  expect(s.status).toBe('ERROR');
  expect(s.reason).toMatch(/^the command could not be started: .*not found/);
  expect(s.reason).not.toContain('/nonexistent');
  expect(states(s).at(-1)).toBe('ERROR');
});

it('refused by the selector: REJECTED, and the reason names who refused', async () => {
  const job = await submit('picky', { size: '3' });
  const s = story(await ended(job));
  expect(s).toMatchObject({
    status: 'REJECTED',
    reason: 'the selector accepts no runner for this job',
  });
  expect(states(s)).toEqual(['PENDING', 'ACCEPTED', 'REJECTED']);
});

it('refused by the agent on every attempt: ERROR after its retry, naming the agent', async () => {
  // A work directory outside the agent's jobs directory, which the agent refuses to run in.
  const job = await submit('sleeper', {}, { workDir: '../escape-story' });
  const s = story(await ended(job));
  expect(s.status).toBe('ERROR');
  expect(s.reason).toMatch(/^agent story-1 refused the job: .*; no retries left$/);
  expect(s.attempts).toBe(2);
  // Two claims, the first handed back for its retry.
  expect(states(s).filter((state) => state === 'ACCEPTED')).toHaveLength(2);
  expect(states(s).at(-1)).toBe('ERROR');
});

it('lost with its agent, retried, lost again: the end says no retries are left', async () => {
  const job = await submit('sleeper', { seconds: '30', code: '0' });
  await h.waitForState(job.id, ['RUNNING']);
  const [first] = [...h.children].filter((c) => c.name.includes('story-1'));
  await first.kill('SIGKILL');
  h.agent(['--name', 'story-2']);
  const retried = await waitFor(
    async () => {
      const j = await h.store.getJob(job.id);
      return j && j.lostAttempts === 1 && j.state === 'RUNNING' ? j : undefined;
    },
    'the retry to run',
    20_000,
    50,
  );
  expect(story(retried)).toMatchObject({ attempts: 2, lostAttempts: 1 });
  const [second] = [...h.children].filter((c) => c.name.includes('story-2'));
  await second.kill('SIGKILL');
  const s = story(await ended(job, 20_000));
  expect(s.reason).toMatch(/agent story-2 .*; no retries left$/);
  expect(s.lostAttempts).toBe(2);
  const seen = states(s);
  expect(seen.filter((state) => state === 'RUNNING')).toHaveLength(2);
  expect(seen).toContain('UNKNOWN');
  expect(seen.indexOf('PENDING', 1)).toBeGreaterThan(seen.indexOf('UNKNOWN'));
  h.agent(['--name', 'story-3']);
});
