import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { newJobId } from '../../src/jobs';
import { createLogger } from '../../src/lifecycle/logger';
import { ClusterExecutor } from '../../src/runners/cluster/cluster-executor';
import type { ClusterEngine } from '../../src/runners/cluster/cluster-engine';
import type { ExecutorEvent } from '../../src/runners/executor';
import { GridEngine } from '../../src/runners/gridengine/gridengine-engine';
import { SlurmEngine } from '../../src/runners/slurm/slurm-engine';
import type { DispatchSpec } from '../../src/transport/protocol';
import { leaseEngine, type EngineKind, type EngineLease } from '../helpers/cluster-engine';
import { waitFor } from '../helpers/wait-for';

// Each test waits for its engine while other test files use it.
jest.setTimeout(400_000);

/** Engine states that ordinary jobs rarely pass through, produced by hand on the real engines. */
async function withExecutor(
  kind: EngineKind,
  body: (
    executor: ClusterExecutor,
    events: ExecutorEvent[],
    spec: (script: string, parameters?: Record<string, unknown>) => DispatchSpec,
    lease: EngineLease,
  ) => Promise<void>,
): Promise<void> {
  const lease = await leaseEngine(kind);
  if (!lease) return console.warn(`${kind} is not available: test skipped`);
  const root = mkdtempSync(path.join(tmpdir(), `damson-states-${kind}-`));
  const engine: ClusterEngine =
    kind === 'slurm'
      ? new SlurmEngine({ toolTimeoutMs: 20_000, env: lease.env })
      : new GridEngine({ toolTimeoutMs: 20_000, env: lease.env });
  const executor = new ClusterExecutor(
    engine,
    { slots: 4, journalFile: path.join(root, 'journal'), pollIntervalMs: 200, recordGraceMs: 500 },
    createLogger('states', 'silent'),
  );
  const events: ExecutorEvent[] = [];
  await executor.open((e) => events.push(e));
  const spec = (script: string, runnerParameters: Record<string, unknown> = {}): DispatchSpec => {
    const jobId = newJobId();
    return {
      jobId,
      fencingToken: 1,
      service: 'states',
      runner: 'default',
      runnerType: kind,
      runnerParameters,
      argv: ['/bin/sh', '-c', script],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      cwd: path.join(root, jobId),
      links: [],
      timeoutMs: null,
    };
  };
  try {
    await body(executor, events, spec, lease);
  } finally {
    await executor.close();
    await lease.release();
  }
}

const eventFor = (events: ExecutorEvent[], jobId: string, states: string[]) =>
  waitFor(
    async () => events.find((e) => e.jobId === jobId && states.includes(e.state)),
    `job ${jobId} to report ${states.join('/')}`,
    30_000,
  );

it('Grid Engine: a job in error state (Eqw) is deleted and ends ERROR, not stuck', async () => {
  await withExecutor('gridengine', async (executor, events, spec, lease) => {
    // The runner's qargs come last: this working directory cannot exist, so the job errs.
    const job = spec('true', { qargs: ['-wd', '/nonexistent/damson'] });
    await executor.start(job);
    const end = await eventFor(events, job.jobId, ['ERROR']);
    expect(end.reason).toMatch(/error state \(E/);
    const listed = execFileSync('qstat', ['-u', '*'], { env: lease.env }).toString();
    expect(listed).not.toMatch(new RegExp(`\\b${end.externalId}\\b`));
  });
});

it('SLURM: a suspended job stays RUNNING and completes when resumed', async () => {
  await withExecutor('slurm', async (executor, events, spec, lease) => {
    const job = spec('sleep 3; echo done');
    await executor.start(job);
    const running = await eventFor(events, job.jobId, ['RUNNING']);
    execFileSync('scontrol', ['suspend', running.externalId!], { env: lease.env });
    await new Promise((r) => setTimeout(r, 1500));
    expect(events.filter((e) => e.jobId === job.jobId).map((e) => e.state)).toEqual(['RUNNING']);
    execFileSync('scontrol', ['resume', running.externalId!], { env: lease.env });
    const end = await eventFor(events, job.jobId, ['COMPLETED', 'FAILED', 'INTERRUPTED', 'ERROR']);
    expect(end).toMatchObject({ state: 'COMPLETED', exitCode: 0 });
  });
});

it('SLURM: a held job reports nothing until it is released, then runs to COMPLETED', async () => {
  await withExecutor('slurm', async (executor, events, spec, lease) => {
    const job = spec('echo run >> runs.txt; sleep 2', { sbatchargs: '--hold' });
    await executor.start(job);
    const id = await waitFor(
      async () => executor.running().find((r) => r.jobId === job.jobId)?.externalId ?? undefined,
      'the engine id',
    );
    await new Promise((r) => setTimeout(r, 600));
    expect(events.filter((e) => e.jobId === job.jobId)).toEqual([]);
    execFileSync('scontrol', ['release', id], { env: lease.env });
    const end = await eventFor(events, job.jobId, ['COMPLETED', 'FAILED', 'INTERRUPTED', 'ERROR']);
    expect(end.state).toBe('COMPLETED');
  });
});
