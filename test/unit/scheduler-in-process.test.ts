import path from 'node:path';
import { jobsWithAgents } from '../../src/scheduler/agent-capacity';
import type { Scheduler } from '../../src/scheduler/scheduler';
import { FakeAgents, InProcessHome } from '../helpers/in-process-scheduler';
import { waitFor } from '../helpers/wait-for';

/**
 * The scheduler in one process: a real SQLite store, real service files, and agents as plain
 * functions recording what they were sent (src/scheduler/agent-io.ts). The process-level tests
 * (test/integration/scheduler-*.test.ts) cover the same paths over ZeroMQ with real agents.
 */

const ROUTED = `
slivka-version: '0.8.3'
name: routed
parameters:
  mode: {name: Mode, type: text, required: no}
command: [sh, -c, 'true']
args:
  mode: {arg: --mode=$(value)}
outputs: {}
execution:
  runners:
    default: {type: ShellRunner}
    other: {type: ShellRunner}
  selector:
    rules:
      - when: 'mode == "other"'
        runner: other
    default: default
`;

let home: InProcessHome;
let scheduler: Scheduler<FakeAgents>;

async function startScheduler(...args: Parameters<InProcessHome['scheduler']>) {
  scheduler = home.scheduler(...args);
  scheduler.start();
  return scheduler.agents;
}

const stateOf = async (id: string) => (await home.store.getJob(id))?.state;
const dispatchOf = (agents: FakeAgents, id: string) =>
  waitFor(
    async () => agents.dispatched().find((s) => s.jobId === id),
    `a dispatch of ${id}`,
    5000,
    5,
  );

beforeEach(() => {
  home = new InProcessHome({ routed: ROUTED });
});
afterEach(async () => {
  scheduler?.stop();
  await scheduler?.drain();
  await home.close();
});

test('claims a due job, sends it to an agent of its kind, records the ack and the end', async () => {
  const agents = await startScheduler();
  agents.hello('cluster', ['slurm'], 4);
  const local = agents.hello('local', ['local'], 2);
  const job = await home.submit('routed');
  const spec = await dispatchOf(agents, job.id);
  expect(agents.sent.find((s) => s.message.type === 'dispatch')?.agent).toBe('local');
  expect(spec).toMatchObject({
    service: 'routed',
    runner: 'default',
    runnerType: 'ShellRunner',
    argv: ['sh', '-c', 'true'],
    cwd: path.join(home.jobsDirectory, job.workDir),
  });
  agents.ack(local, { jobId: job.id, fencingToken: spec.fencingToken, accepted: true });
  await waitFor(async () => ((await stateOf(job.id)) === 'QUEUED' ? true : undefined), 'QUEUED');
  agents.event(local, {
    seq: 7,
    jobId: job.id,
    fencingToken: spec.fencingToken,
    state: 'COMPLETED',
    exitCode: 0,
  });
  await waitFor(
    async () => ((await stateOf(job.id)) === 'COMPLETED' ? true : undefined),
    'COMPLETED',
  );
  expect(agents.sentOf('event-ack')).toContainEqual(expect.objectContaining({ seq: 7 }));
  expect(local.jobs.size).toBe(0);
});

test('a report from an agent that does not hold the attempt changes nothing, and is acknowledged', async () => {
  const agents = await startScheduler();
  const holder = agents.hello('holder', ['local'], 1);
  const job = await home.submit('routed');
  const spec = await dispatchOf(agents, job.id);
  agents.ack(holder, { jobId: job.id, fencingToken: spec.fencingToken, accepted: true });
  await waitFor(async () => ((await stateOf(job.id)) === 'QUEUED' ? true : undefined), 'QUEUED');
  const poser = agents.hello('poser', ['local'], 1);
  agents.event(poser, { seq: 1, jobId: job.id, fencingToken: spec.fencingToken, state: 'FAILED' });
  await waitFor(async () => (agents.sentOf('event-ack').length ? true : undefined), 'the ack');
  expect(await stateOf(job.id)).toBe('QUEUED');
  expect(holder.jobs.has(job.id)).toBe(true);
});

test("an agent's refusal counts against the runner's breaker, and the job is retried", async () => {
  const agents = await startScheduler();
  const local = agents.hello('local', ['local'], 1);
  const job = await home.submit('routed');
  const spec = await dispatchOf(agents, job.id);
  agents.ack(local, {
    jobId: job.id,
    fencingToken: spec.fencingToken,
    accepted: false,
    reason: 'no room',
  });
  await waitFor(async () => {
    const now = await home.store.getJob(job.id);
    return now && now.lostAttempts === 1 ? now : undefined;
  }, 'the lost attempt');
  expect(scheduler.breakers.states()).toContainEqual({
    service: 'routed',
    runner: 'default',
    state: 'open',
  });
  expect(local.jobs.has(job.id)).toBe(false);
});

describe('routing: decided once, at dispatch', () => {
  test('a job the selector sends to a runner whose breaker is open waits, with no attempt lost', async () => {
    const agents = await startScheduler();
    scheduler.breakers.failure('routed', 'other', 'infrastructure');
    agents.hello('local', ['local'], 4);
    const held = await home.submit('routed', { mode: 'other' });
    const usual = await home.submit('routed', { mode: 'usual' });
    expect((await dispatchOf(agents, usual.id)).runner).toBe('default');
    // Claimed and handed back on every tick meanwhile: let several pass.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(agents.dispatched().map((s) => s.jobId)).not.toContain(held.id);
    expect(await home.store.getJob(held.id)).toMatchObject({ lostAttempts: 0 });
  });

  test("the claim's budget asked the usual runner's breaker: dispatch does not ask it twice", async () => {
    // Half-open after 1 ms: one probe job may pass. Asked twice, the probe would be refused.
    const agents = await startScheduler({
      breaker: { failures: 1, windowMs: 60_000, backoffMs: 1, maxBackoffMs: 1 },
    });
    scheduler.breakers.failure('routed', 'default', 'infrastructure');
    agents.hello('local', ['local'], 4);
    const probe = await home.submit('routed');
    expect((await dispatchOf(agents, probe.id)).runner).toBe('default');
    expect(scheduler.breakers.states()).toContainEqual({
      service: 'routed',
      runner: 'default',
      state: 'half-open',
    });
  });
});

describe('health-test runs: the scheduler knows them by its own record', () => {
  test('a run holds a marked slot, never reaches the store, and ends on its agent report', async () => {
    const agents = await startScheduler();
    const local = agents.hello('local', ['local'], 2);
    // Neither id's form matters: a stored job may even look like a test run's id.
    const lookalike = await home.submit('routed', {}, 'service-test-0123456789abcdef');
    const spec = {
      jobId: 'health-probe-1',
      fencingToken: 0,
      service: 'routed',
      runner: 'default',
      runnerType: 'ShellRunner',
      runnerParameters: {},
      argv: ['true'],
      env: {},
      cwd: path.join(home.jobsDirectory, '.service-tests', 'health-probe-1'),
      links: [],
      timeoutMs: null,
    };
    const outcome = scheduler.testRuns.run(spec, 'local', 5000);
    expect(local.jobs.get('health-probe-1')?.purpose).toBe('service-test');
    const lookalikeSpec = await dispatchOf(agents, lookalike.id);
    expect(jobsWithAgents([local])).toBe(0);
    agents.ack(local, {
      jobId: lookalike.id,
      fencingToken: lookalikeSpec.fencingToken,
      accepted: true,
    });
    await waitFor(
      async () => ((await stateOf(lookalike.id)) === 'QUEUED' ? true : undefined),
      'QUEUED',
    );
    expect(jobsWithAgents([local])).toBe(1);
    // Another agent's report about the run is not the run's: acknowledged, and nothing ends.
    const poser = agents.hello('poser', ['local'], 1);
    agents.event(poser, { seq: 2, jobId: 'health-probe-1', fencingToken: 0, state: 'COMPLETED' });
    await waitFor(
      async () =>
        agents.sent.some((s) => s.agent === 'poser' && s.message.type === 'event-ack')
          ? true
          : undefined,
      "the poser's ack",
    );
    expect(local.jobs.get('health-probe-1')?.purpose).toBe('service-test');
    agents.event(local, {
      seq: 3,
      jobId: 'health-probe-1',
      fencingToken: 0,
      state: 'FAILED',
      reason: 'exit 1',
    });
    await expect(outcome).resolves.toEqual({ kind: 'finished', state: 'FAILED', reason: 'exit 1' });
    expect(agents.sentOf('event-ack')).toContainEqual(expect.objectContaining({ seq: 3 }));
    expect(local.jobs.has('health-probe-1')).toBe(false);
    expect(await home.store.getJob('health-probe-1')).toBeNull();
  });
});
