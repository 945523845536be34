import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { newJobId } from '../../src/jobs';
import { createLogger } from '../../src/lifecycle/logger';
import { ClusterExecutor } from '../../src/runners/cluster/cluster-executor';
import type { ToolFailure } from '../../src/runners/cluster/tool-health';
import type { ExecutorEvent } from '../../src/runners/executor';
import { SlurmEngine } from '../../src/runners/slurm/slurm-engine';
import type { DispatchSpec } from '../../src/transport/protocol';
import { leaseEngine, type EngineLease } from '../helpers/cluster-engine';
import { SCHEDULER_SERVICES, SchedulerHarness } from '../helpers/scheduler-harness';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(90_000);

const TOOLS = ['sbatch', 'squeue', 'sacct', 'scancel'];

/**
 * Fault injection against the real SLURM: each engine tool is reached
 * through a wrapper that, on demand, fails, answers garbage, hangs, or submits and then reports a
 * failure (F-14: the answer of a submission lost).
 */
function faultyTools(dir: string): (tool: string, mode: string | null) => void {
  for (const tool of TOOLS) {
    const real = execFileSync('sh', ['-c', `command -v ${tool}`])
      .toString()
      .trim();
    const file = path.join(dir, tool);
    writeFileSync(
      file,
      `#!/bin/sh
dir=$(dirname "$0")
echo ${tool} >> "$dir/calls.log"
mode=$(cat "$dir/${tool}.mode" 2>/dev/null)
case "$mode" in
  fail) echo "${tool}: error: Unable to contact slurm controller (connect failure)" >&2; exit 1 ;;
  garbage) echo "<html>502 Bad Gateway</html>"; exit 0 ;;
  hang) exec sleep 30 ;;
  submit-then-fail)
    rm -f "$dir/${tool}.mode"
    ${real} "$@" >/dev/null
    echo "${tool}: error: Socket timed out on send/recv operation" >&2
    exit 1 ;;
esac
exec ${real} "$@"
`,
    );
    chmodSync(file, 0o755);
  }
  return (tool, mode) => {
    const file = path.join(dir, `${tool}.mode`);
    if (mode === null) rmSync(file, { force: true });
    else writeFileSync(file, mode);
  };
}

let lease: EngineLease | null = null;
let root: string;
let setFault: (tool: string, mode: string | null) => void;
let failures: ToolFailure[];
let events: ExecutorEvent[];
let executor: ClusterExecutor;

beforeAll(async () => {
  lease = await leaseEngine('slurm');
  if (!lease) return;
  root = mkdtempSync(path.join(tmpdir(), 'damson-faults-'));
  const bin = path.join(root, 'bin');
  execFileSync('mkdir', [bin]);
  setFault = faultyTools(bin);
  failures = [];
  events = [];
  const env = { ...lease.env, PATH: `${bin}:${process.env.PATH}` };
  executor = new ClusterExecutor(
    new SlurmEngine({ toolTimeoutMs: 1000, env }),
    {
      slots: 10,
      journalFile: path.join(root, 'agent.journal'),
      pollIntervalMs: 100,
      recordGraceMs: 500,
      vanishGraceMs: 5000,
      submitBackoff: { attempts: 4, initialDelayMs: 200, maxDelayMs: 1000 },
      onToolFailure: (failure) => failures.push(failure),
    },
    createLogger('faults', 'silent'),
  );
  await executor.open((event) => events.push(event));
}, 300_000);

afterAll(async () => {
  await executor?.close();
  await lease?.release();
}, 180_000);

function spec(script: string, runnerParameters: Record<string, unknown> = {}): DispatchSpec {
  const jobId = newJobId();
  return {
    jobId,
    fencingToken: 1,
    service: 'faults',
    runner: 'default',
    runnerType: 'SlurmRunner',
    runnerParameters,
    argv: ['/bin/sh', '-c', script],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    cwd: path.join(root, 'jobs', jobId),
    links: [],
    timeoutMs: null,
  };
}

const ended = (jobId: string): Promise<ExecutorEvent> =>
  waitFor(
    async () => events.find((e) => e.jobId === jobId && !['QUEUED', 'RUNNING'].includes(e.state)),
    `job ${jobId} to end`,
    60_000,
  );

const calls = (tool: string): number =>
  existsSync(path.join(root, 'bin/calls.log'))
    ? readFileSync(path.join(root, 'bin/calls.log'), 'utf8')
        .split('\n')
        .filter((l) => l === tool).length
    : 0;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('engine tool faults (real SLURM, faulty tool wrappers)', () => {
  it('retries failing, garbage and hanging status calls with backoff; the job still completes', async () => {
    if (!lease) return console.warn('slurm is not available: test skipped');
    const job = spec('sleep 8; echo fine');
    await executor.start(job);
    for (const mode of ['fail', 'garbage', 'hang']) {
      const before = failures.length;
      const callsBefore = calls('squeue');
      setFault('squeue', mode);
      await sleep(2500);
      setFault('squeue', null);
      // A poll every 100 ms would make 25 calls; backoff skips 1, 3, 7, ... polls.
      expect(calls('squeue') - callsBefore).toBeLessThanOrEqual(6);
      expect(failures.length).toBeGreaterThan(before);
      expect(events.filter((e) => e.jobId === job.jobId && e.state === 'ERROR')).toEqual([]);
      await waitFor(
        async () => (executor.health.snapshot().consecutiveFailures === 0 ? true : undefined),
        'the engine tools to answer again',
        10_000,
      );
    }
    expect(failures.map((f) => f.error.message).join('\n')).toMatch(/Unable to contact/);
    expect(failures.map((f) => f.error.message).join('\n')).toMatch(/unexpected line/);
    expect(failures.map((f) => f.error.message).join('\n')).toMatch(/no answer within 1000 ms/);
    expect(Math.max(...failures.map((f) => f.consecutive))).toBeGreaterThanOrEqual(2);
    const end = await ended(job.jobId);
    expect(end).toMatchObject({ state: 'COMPLETED', exitCode: 0 });
  });

  it('finds a submission whose answer was lost instead of submitting twice (F-14)', async () => {
    if (!lease) return console.warn('slurm is not available: test skipped');
    const job = spec('echo ran >> count.txt');
    setFault('sbatch', 'submit-then-fail');
    const before = calls('sbatch');
    await executor.start(job);
    expect(calls('sbatch') - before).toBe(1);
    const end = await ended(job.jobId);
    expect(end.state).toBe('COMPLETED');
    expect(readFileSync(path.join(job.cwd, 'count.txt'), 'utf8')).toBe('ran\n');
  });

  it("ends a job ERROR, in the engine's words, when the engine rejects the submission itself", async () => {
    if (!lease) return console.warn('slurm is not available: test skipped');
    const before = calls('sbatch');
    const job = spec('true', { sbatchargs: '--partition=no-such-partition' });
    await executor.start(job);
    const end = await ended(job.jobId);
    expect(end).toMatchObject({
      state: 'ERROR',
      reason: expect.stringMatching(/^slurm refused the job: .*partition/i),
    });
    expect(end.lost).toBeUndefined();
    expect(calls('sbatch') - before).toBe(1);
  });

  it('ends a job ERROR without calling sbatch when sbatchargs cannot be parsed', async () => {
    if (!lease) return console.warn('slurm is not available: test skipped');
    const before = calls('sbatch');
    const job = spec('true', { sbatchargs: "--partition='short" });
    await executor.start(job);
    const end = await ended(job.jobId);
    expect(end).toMatchObject({
      state: 'ERROR',
      reason: expect.stringMatching(/^bad runner parameters: .*quote/i),
    });
    expect(calls('sbatch') - before).toBe(0);
  });

  it('cancels an older attempt still in the engine before it submits a retry (one attempt runs)', async () => {
    if (!lease) return console.warn('slurm is not available: test skipped');
    const first = spec('echo start >> ledger; sleep 30; echo end >> ledger');
    await executor.start(first);
    await waitFor(
      async () =>
        events.some((e) => e.jobId === first.jobId && e.state === 'RUNNING') ? true : undefined,
      'attempt 1 running',
      30_000,
    );
    // The engine shows RUNNING a moment before the tool itself starts.
    await waitFor(
      async () => (existsSync(path.join(first.cwd, 'ledger')) ? true : undefined),
      'attempt 1 started',
      30_000,
    );
    // Attempt 2 goes to another agent (its own journal) of the same cluster user: it finds
    // attempt 1 in the engine by its name and cancels it before submitting.
    const otherEvents: ExecutorEvent[] = [];
    const other = new ClusterExecutor(
      new SlurmEngine({
        toolTimeoutMs: 5000,
        env: { ...lease.env, PATH: `${path.join(root, 'bin')}:${process.env.PATH}` },
      }),
      {
        slots: 10,
        journalFile: path.join(root, 'other.journal'),
        pollIntervalMs: 100,
        recordGraceMs: 500,
      },
      createLogger('faults-other', 'silent'),
    );
    await other.open((event) => otherEvents.push(event));
    try {
      const log = () => readFileSync(path.join(root, 'bin/calls.log'), 'utf8').split('\n');
      const mark = log().length;
      await other.start({
        ...first,
        fencingToken: 2,
        argv: ['/bin/sh', '-c', 'echo second >> ledger'],
      });
      const order = log()
        .slice(mark - 1)
        .filter((t) => t === 'scancel' || t === 'sbatch');
      expect(order.slice(0, 2)).toEqual(['scancel', 'sbatch']);
      const one = await ended(first.jobId);
      expect(one).toMatchObject({ fencingToken: 1, state: 'INTERRUPTED' });
      const two = await waitFor(
        async () => otherEvents.find((e) => e.state === 'COMPLETED'),
        'attempt 2 to complete',
        30_000,
      );
      expect(two.fencingToken).toBe(2);
      await sleep(1000);
      expect(readFileSync(path.join(first.cwd, 'ledger'), 'utf8')).toBe('start\nsecond\n');
    } finally {
      await other.close();
    }
  });

  it('keeps trying a submission while the controller is unreachable, then gives up', async () => {
    if (!lease) return console.warn('slurm is not available: test skipped');
    setFault('sbatch', 'fail');
    const before = calls('sbatch');
    const before2 = failures.length;
    try {
      await expect(executor.start(spec('true'))).rejects.toThrow(/Unable to contact/);
    } finally {
      setFault('sbatch', null);
    }
    expect(calls('sbatch') - before).toBe(4);
    expect(failures.length - before2).toBeGreaterThanOrEqual(4);
  });
});

/** The ledger service of the scheduler tests, run on SLURM. */
function slurmServices(): string {
  const dir = path.join(root, 'services');
  mkdirSync(dir, { recursive: true });
  const ledger = readFileSync(path.join(SCHEDULER_SERVICES, 'ledger.service.yaml'), 'utf8');
  writeFileSync(
    path.join(dir, 'slurmy.service.yaml'),
    ledger.replace('name: ledger', 'name: slurmy').replace('ShellRunner', 'SlurmRunner'),
  );
  writeFileSync(
    path.join(dir, 'refused.service.yaml'),
    ledger
      .replace('name: ledger', 'name: refused')
      .replace(
        'type: ShellRunner',
        'type: SlurmRunner\n      parameters:\n        sbatchargs: --partition=no-such-partition',
      ),
  );
  return dir;
}

describe('failing status polls reach the runner circuit breaker (damson scheduler + slurm agent)', () => {
  let h: SchedulerHarness | null = null;

  afterAll(async () => {
    if (!h) return;
    // Not h.close(): its clean-up reads external ids as process ids, and these are SLURM's.
    await Promise.all([...h.children].map((c) => c.kill('SIGTERM')));
    await h.store.close();
  });

  const runnerHealth = async () => (await h!.store.listRunnerHealth('slurmy'))[0];
  const status = async () =>
    (await h!.store.currentServiceStatuses()).find((r) => r.service === 'slurmy');

  it('opens on repeated squeue failures (jobs wait, the running one goes on) and closes once it answers', async () => {
    if (!lease) return console.warn('slurm is not available: test skipped');
    h = await SchedulerHarness.create(
      {
        'scheduler.breaker-failures': 3,
        'scheduler.breaker-backoff': 60_000,
        'scheduler.breaker-max-backoff': 60_000,
      },
      slurmServices(),
    );
    h.scheduler();
    const agent = h.start(['agent', '--kind', 'slurm', '--poll-interval', '200'], {
      ...(lease.env as Record<string, string>),
      PATH: `${path.join(root, 'bin')}:${process.env.PATH}`,
    });
    const running = await h.submit('slurmy', { seconds: 10 });
    await h.waitForState(running.id, ['RUNNING'], 60_000);
    let waiting;
    setFault('squeue', 'fail');
    try {
      const open = await waitFor(
        async () => ((await runnerHealth())?.state === 'open' ? runnerHealth() : undefined),
        'the breaker to open',
        15_000,
      );
      expect(open!.consecutiveFailures).toBeGreaterThanOrEqual(3);
      expect(open!.lastError).toMatch(/slurm engine tools failing .*Unable to contact/);
      expect(await status()).toMatchObject({ runner: 'default', status: 'DOWN' });
      waiting = await h.submit('slurmy');
      await sleep(1500);
      expect((await h.store.getJob(waiting.id))!.state).toBe('PENDING');
      expect((await h.store.getJob(running.id))!.state).toBe('RUNNING');
    } finally {
      setFault('squeue', null);
    }
    await waitFor(
      async () => ((await runnerHealth())?.state === 'closed' ? true : undefined),
      'the breaker to close once squeue answers',
      15_000,
    );
    expect(await status()).toMatchObject({ status: 'OK' });
    expect(await h.waitForState(waiting.id, ['COMPLETED'], 60_000)).toMatchObject({ exitCode: 0 });
    const done = await h.waitForState(running.id, ['COMPLETED', 'ERROR', 'FAILED'], 60_000);
    expect(done).toMatchObject({ state: 'COMPLETED', exitCode: 0, lostAttempts: 0 });
    expect(agent.output()).toMatch(/engine tool failed/);
  });

  it('a job the engine refuses ends ERROR at once with the reason, submitted once and not retried', async () => {
    if (!lease || !h) return console.warn('slurm is not available: test skipped');
    const before = calls('sbatch');
    const job = await h.submit('refused');
    const done = await h.waitForState(
      job.id,
      ['ERROR', 'COMPLETED', 'FAILED', 'INTERRUPTED'],
      30_000,
    );
    expect(done).toMatchObject({ state: 'ERROR', attempt: 1, lostAttempts: 0 });
    expect(done.reason).toMatch(/^slurm refused the job: sbatch: error: .*partition/i);
    await sleep(1500);
    expect(calls('sbatch') - before).toBe(1);
    expect((await h.store.getJob(job.id))!.attempt).toBe(1);
  });
});
