import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { newJobId } from '../../src/jobs';
import type { Executor, ExecutorEvent } from '../../src/runners/executor';
import type { DispatchSpec } from '../../src/transport/protocol';
import { INJECTION_PAYLOADS } from '../fixtures/injection-payloads';
import { REPO_ROOT } from '../helpers/damson-home';
import { waitFor } from '../helpers/wait-for';

/** What the conformance suite needs to know about one runner. */
export interface RunnerHarness {
  name: string;
  runnerType: string;
  /** Starts what the runner needs; false when it cannot run here (the suite then skips). */
  setUp(): Promise<boolean>;
  tearDown(): Promise<void>;
  createExecutor(options: { journalFile: string; slots: number }): Executor;
  /** Runner parameters that keep a job queued, or null: the suite fills a one-slot runner instead. */
  holdParameters: Record<string, unknown> | null;
  /** Ends a job behind Damson's back (scancel/qdel by hand, kill -9 of a local process). */
  killOutside(externalId: string): Promise<void>;
  /** Seconds a short job may take end to end on this runner (engines schedule in passes). */
  patienceMs: number;
}

const FINISHED = ['COMPLETED', 'FAILED', 'ERROR', 'INTERRUPTED', 'DELETED', 'REJECTED'];

/** An executor with its reports recorded, finalized at once (as the agent host does on ack). */
class Recorder {
  readonly events: ExecutorEvent[] = [];
  private closed = false;
  constructor(readonly executor: Executor) {}

  async open(): Promise<this> {
    await this.executor.open((event) => {
      this.events.push(event);
      if (FINISHED.includes(event.state)) {
        setImmediate(() => {
          if (!this.closed) this.executor.finalized(event.jobId, event.fencingToken);
        });
      }
    });
    return this;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.executor.close();
  }

  states(jobId: string): string[] {
    return this.events.filter((e) => e.jobId === jobId).map((e) => e.state);
  }

  waitFor(jobId: string, states: string[], timeoutMs: number): Promise<ExecutorEvent> {
    return waitFor(
      async () => this.events.find((e) => e.jobId === jobId && states.includes(e.state)),
      `job ${jobId} to report ${states.join('/')} (saw ${this.states(jobId).join(',') || 'nothing'})`,
      timeoutMs,
      50,
    );
  }
}

export function describeRunnerConformance(harness: RunnerHarness): void {
  describe(`runner conformance: ${harness.name}`, () => {
    let ready = false;
    let root: string;
    const open: Recorder[] = [];

    beforeAll(async () => {
      ready = await harness.setUp();
      root = mkdtempSync(path.join(tmpdir(), `damson-conformance-${harness.name}-`));
    }, 300_000);

    afterEach(async () => {
      await Promise.all(open.splice(0).map((e) => e.close()));
    });

    afterAll(async () => {
      await harness.tearDown();
    }, 180_000);

    async function recorder(journal = 'agent.journal', slots = 8): Promise<Recorder> {
      const executor = harness.createExecutor({ journalFile: path.join(root, journal), slots });
      const r = new Recorder(executor);
      open.push(r);
      return r.open();
    }

    function spec(argv: string[], extra: Partial<DispatchSpec> = {}): DispatchSpec {
      const jobId = newJobId();
      return {
        jobId,
        fencingToken: 1,
        service: 'conformance',
        runner: 'default',
        runnerType: harness.runnerType,
        runnerParameters: {},
        argv,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DAMSON_HOME: root },
        cwd: path.join(root, 'jobs', jobId),
        links: [],
        timeoutMs: null,
        ...extra,
      };
    }

    const sh = (script: string): string[] => ['/bin/sh', '-c', script];
    const patience = (): number => harness.patienceMs;
    const skipUnlessReady = (): boolean => {
      if (!ready) console.warn(`${harness.name} is not available: test skipped`);
      return !ready;
    };

    // An accepted dispatch is QUEUED (the scheduler records it on the ack); executors report the rest.
    it('runs a job through RUNNING to COMPLETED and leaves its outputs', async () => {
      if (skipUnlessReady()) return;
      const r = await recorder();
      const input = path.join(root, 'input-file.txt');
      writeFileSync(input, 'from the input\n');
      const job = spec(
        sh('cat input.txt; echo to-stderr >&2; echo data > result.txt; sleep 1.5; echo done'),
        { links: [{ name: 'input.txt', target: input }] },
      );
      await r.executor.start(job);
      const end = await r.waitFor(job.jobId, FINISHED, patience());
      expect(r.states(job.jobId)).toEqual(['RUNNING', 'COMPLETED']);
      expect(end.exitCode).toBe(0);
      expect(readFileSync(path.join(job.cwd, 'stdout'), 'utf8')).toBe('from the input\ndone\n');
      expect(readFileSync(path.join(job.cwd, 'stderr'), 'utf8')).toBe('to-stderr\n');
      expect(readFileSync(path.join(job.cwd, 'result.txt'), 'utf8')).toBe('data\n');
      // The job directory records what ran: argv and environment names, never values.
      expect(JSON.parse(readFileSync(path.join(job.cwd, '.command.json'), 'utf8'))).toEqual({
        argv: job.argv,
        env: Object.keys(job.env).sort(),
      });
    });

    it('reports a non-zero exit as FAILED with its exit code, and 127 as ERROR', async () => {
      if (skipUnlessReady()) return;
      const r = await recorder();
      const failing = spec(sh('echo partial; exit 3'));
      const missing = spec(['/nonexistent/tool-damson']);
      await r.executor.start(failing);
      await r.executor.start(missing);
      const failed = await r.waitFor(failing.jobId, FINISHED, patience());
      expect(failed).toMatchObject({ state: 'FAILED', exitCode: 3 });
      expect(readFileSync(path.join(failing.cwd, 'stdout'), 'utf8')).toBe('partial\n');
      const error = await r.waitFor(missing.jobId, FINISHED, patience());
      expect(error.state).toBe('ERROR');
    });

    it('takes a repeated dispatch of the same attempt once', async () => {
      if (skipUnlessReady()) return;
      const r = await recorder();
      const job = spec(sh('echo once >> count.txt'));
      await Promise.all([r.executor.start(job), r.executor.start(job)]);
      await r.executor.start(job);
      await r.waitFor(job.jobId, FINISHED, patience());
      expect(readFileSync(path.join(job.cwd, 'count.txt'), 'utf8')).toBe('once\n');
      expect(r.states(job.jobId)).toEqual(['RUNNING', 'COMPLETED']);
    });

    it('cancels a queued job: DELETED, and the tool never starts', async () => {
      if (skipUnlessReady()) return;
      const held = harness.holdParameters;
      const r = await recorder('queued.journal', held ? 8 : 1);
      const blocker = spec(sh('sleep 30'));
      if (!held) await r.executor.start(blocker);
      const job = spec(sh('touch started.txt'), held ? { runnerParameters: held } : {});
      await r.executor.start(job);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(r.states(job.jobId)).toEqual([]);
      await r.executor.cancel(job.jobId, job.fencingToken);
      const end = await r.waitFor(job.jobId, FINISHED, patience());
      expect(end.state).toBe('DELETED');
      expect(existsSync(path.join(job.cwd, 'started.txt'))).toBe(false);
      if (!held) {
        await r.executor.cancel(blocker.jobId, blocker.fencingToken);
        await r.waitFor(blocker.jobId, FINISHED, patience());
      }
    });

    it('cancels a running job: INTERRUPTED, and the tool stops', async () => {
      if (skipUnlessReady()) return;
      const r = await recorder();
      const job = spec(sh('echo begun; sleep 30; echo finished > late.txt'));
      await r.executor.start(job);
      await r.waitFor(job.jobId, ['RUNNING'], patience());
      await waitFor(
        async () => (existsSync(path.join(job.cwd, 'stdout')) ? true : undefined),
        'stdout',
      );
      await r.executor.cancel(job.jobId, job.fencingToken);
      const end = await r.waitFor(job.jobId, FINISHED, patience());
      expect(end.state).toBe('INTERRUPTED');
      expect(existsSync(path.join(job.cwd, 'late.txt'))).toBe(false);
    });

    it('reports a job killed outside Damson as INTERRUPTED with a reason', async () => {
      if (skipUnlessReady()) return;
      const r = await recorder();
      const job = spec(sh('sleep 30'));
      await r.executor.start(job);
      const running = await r.waitFor(job.jobId, ['RUNNING'], patience());
      expect(running.externalId).toBeTruthy();
      await harness.killOutside(running.externalId!);
      const end = await r.waitFor(job.jobId, FINISHED, patience());
      expect(end.state).toBe('INTERRUPTED');
      expect(end.reason).toBeTruthy();
    });

    it('ends a job past its time limit INTERRUPTED, saying it timed out', async () => {
      if (skipUnlessReady()) return;
      const r = await recorder();
      const job = spec(sh('sleep 30; touch late.txt'), { timeoutMs: 1500 });
      await r.executor.start(job);
      const end = await r.waitFor(job.jobId, FINISHED, patience());
      expect(end.state).toBe('INTERRUPTED');
      expect(end.reason).toMatch(/timed out/);
      expect(existsSync(path.join(job.cwd, 'late.txt'))).toBe(false);
    });

    it('finds its jobs again after an agent restart, whether they ended meanwhile or not', async () => {
      if (skipUnlessReady()) return;
      const first = await recorder('restart.journal');
      const endsWhileDown = spec(sh('sleep 1; echo early'));
      const outlivesDown = spec(sh('sleep 1; echo late > late.txt; sleep 3; exit 4'));
      await first.executor.start(endsWhileDown);
      await first.executor.start(outlivesDown);
      await first.waitFor(outlivesDown.jobId, ['RUNNING'], patience());
      await first.close();
      await waitFor(
        async () => (existsSync(path.join(outlivesDown.cwd, 'late.txt')) ? true : undefined),
        'the job to go on while the agent is down',
        patience(),
      );
      const second = await recorder('restart.journal');
      const early = await second.waitFor(endsWhileDown.jobId, FINISHED, patience());
      expect(early).toMatchObject({ state: 'COMPLETED', exitCode: 0 });
      const late = await second.waitFor(outlivesDown.jobId, FINISHED, patience());
      expect(late).toMatchObject({ state: 'FAILED', exitCode: 4 });
      expect(readFileSync(path.join(endsWhileDown.cwd, 'stdout'), 'utf8')).toBe('early\n');
    });

    it('passes shell metacharacters and the environment to the tool byte for byte', async () => {
      if (skipUnlessReady()) return;
      const r = await recorder();
      process.env.DAMSON_AGENT_SECRET = 'must-not-leak';
      const values = INJECTION_PAYLOADS.map((p) => `--name=${p}`);
      const job = spec(
        [process.execPath, path.join(REPO_ROOT, 'test/fixtures/argv-dump.js'), ...values],
        {},
      );
      job.env = { ...job.env, DAMSON_PAYLOAD: "$(touch PWNED) 'x' \n `y`", EMPTY: '' };
      try {
        await r.executor.start(job);
        const end = await r.waitFor(job.jobId, FINISHED, patience());
        expect(end.state).toBe('COMPLETED');
      } finally {
        delete process.env.DAMSON_AGENT_SECRET;
      }
      const seen = JSON.parse(readFileSync(path.join(job.cwd, 'argv.json'), 'utf8')) as {
        argv: string[];
        env: Record<string, string>;
      };
      expect(seen.argv).toEqual(values);
      expect(seen.env.DAMSON_PAYLOAD).toBe(job.env.DAMSON_PAYLOAD);
      expect(seen.env.EMPTY).toBe('');
      expect(seen.env.PATH).toBe(job.env.PATH);
      expect(seen.env.DAMSON_AGENT_SECRET).toBeUndefined();
      expect(existsSync(path.join(job.cwd, 'PWNED'))).toBe(false);
    });
  });
}
