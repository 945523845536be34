import type { Job } from '../../src/jobs';
import type { AgentInfo } from '../../src/scheduler/agent-link';
import { JobRecovery } from '../../src/scheduler/job-recovery';
import { RunnerBreakers } from '../../src/scheduler/runner-breakers';
import { WriteBatcher } from '../../src/scheduler/write-batcher';
import { FakeAgents, InProcessHome, silentLog } from '../helpers/in-process-scheduler';

/**
 * JobRecovery built alone, on a real SQLite store, with the agents and the test-run record as
 * plain functions; test/integration/scheduler-recovery.test.ts covers it with real processes.
 */

const PLAIN = `
slivka-version: '0.8.3'
name: plain
parameters: {}
command: [sh, -c, 'true']
args: {}
outputs: {}
execution:
  runners:
    default: {type: ShellRunner}
`;

const GRACE_MS = 50;

let home: InProcessHome;
let writes: WriteBatcher;
let breakers: RunnerBreakers;
let recovery: JobRecovery;
let agents: FakeAgents;
/** The scheduler's record of its test runs, as TestRuns.owns answers it. */
let testRuns: Set<string>;
let wakes: number;

beforeEach(() => {
  home = new InProcessHome({ plain: PLAIN });
  writes = new WriteBatcher(home.store);
  breakers = new RunnerBreakers(
    home.store,
    { failures: 1, windowMs: 60_000, backoffMs: 60_000, maxBackoffMs: 60_000 },
    silentLog,
  );
  testRuns = new Set();
  wakes = 0;
  recovery = new JobRecovery({
    store: home.store,
    catalog: home.catalog,
    writes,
    breakers,
    options: {
      owner: 'in-process',
      retries: 1,
      maxRetries: 3,
      lostJobGraceMs: { local: GRACE_MS, slurm: GRACE_MS, gridengine: GRACE_MS },
    },
    log: silentLog,
    wake: () => void (wakes += 1),
    agents: () => agents,
    isTestRun: (jobId) => testRuns.has(jobId),
  });
  agents = new FakeAgents({
    onHello: recovery.onHello,
    onMessage: () => undefined,
    onAgentLost: recovery.onAgentLost,
    onGoodbye: recovery.onGoodbye,
  });
});
afterEach(async () => {
  await writes.idle();
  await home.close();
});

/** A job an agent holds, QUEUED in the store, as after an acknowledged dispatch. */
async function heldBy(agent: AgentInfo): Promise<Job> {
  const submitted = await home.submit('plain');
  const [claimed] = await home.store.claimPending('in-process', 60_000, 1, 'plain');
  expect(claimed.id).toBe(submitted.id);
  const queued = await home.store.transition(claimed.id, 'QUEUED', claimed.fencingToken);
  agent.jobs.set(claimed.id, {
    service: 'plain',
    runner: 'default',
    fencingToken: claimed.fencingToken,
    purpose: 'job',
  });
  return queued!;
}

/** A health-test run the agent holds: a slot, and nothing in the store. */
function testRunOn(agent: AgentInfo, jobId: string): void {
  testRuns.add(jobId);
  agent.jobs.set(jobId, {
    service: 'probed',
    runner: 'default',
    fencingToken: 0,
    purpose: 'service-test',
  });
}

test("a lost agent's jobs become UNKNOWN, then are retried after the grace; its test runs are left alone", async () => {
  const agent = agents.hello('a', ['local'], 2);
  const job = await heldBy(agent);
  testRunOn(agent, 'probe');
  agents.lose(agent);
  await writes.idle();
  expect(await home.store.getJob(job.id)).toMatchObject({
    state: 'UNKNOWN',
    reason: expect.stringContaining('agent a lost'),
  });
  // The job's runner counts the failure; the test run's service and runner do not.
  expect(breakers.states().map((b) => b.service)).toEqual(['plain']);
  await recovery.driveActive(Date.now() + GRACE_MS);
  await writes.idle();
  expect(await home.store.getJob(job.id)).toMatchObject({ state: 'PENDING', lostAttempts: 1 });
  expect(wakes).toBeGreaterThan(0);
});

test('a returning agent: what the store agrees with is adopted, its test runs are left to their record, the rest is stopped', async () => {
  const first = agents.hello('a', ['local'], 2);
  const job = await heldBy(first);
  agents.lose(first);
  await writes.idle();
  testRuns.add('probe');
  const back = agents.hello('a', ['local'], 2, [
    { jobId: job.id, fencingToken: job.fencingToken, externalId: '4242' },
    { jobId: 'probe', fencingToken: 0, externalId: null },
    // A run of a scheduler before this one (or anything else the store does not know).
    { jobId: 'service-test-0123456789abcdef', fencingToken: 0, externalId: null },
  ]);
  await recovery.adopted(back);
  await writes.idle();
  expect(await home.store.getJob(job.id)).toMatchObject({ state: 'RUNNING', externalId: '4242' });
  expect(back.jobs.get(job.id)).toMatchObject({ purpose: 'job', fencingToken: job.fencingToken });
  expect(back.jobs.has('probe')).toBe(false);
  expect(agents.sentOf('cancel').map((c) => c.jobId)).toEqual(['service-test-0123456789abcdef']);
});

test('slots held for jobs the store has finished are freed; test-run slots are not', async () => {
  const agent = agents.hello('a', ['local'], 2);
  const job = await heldBy(agent);
  testRunOn(agent, 'probe');
  await home.store.transition(job.id, 'COMPLETED', job.fencingToken);
  await recovery.driveActive();
  expect([...agent.jobs.keys()]).toEqual(['probe']);
});
