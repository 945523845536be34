import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ClusterEngine } from '../src/runners/cluster/cluster-engine';
import { runTool } from '../src/runners/cluster/engine-tool';
import { GridEngine } from '../src/runners/gridengine/gridengine-engine';
import { SlurmEngine } from '../src/runners/slurm/slurm-engine';

/**
 * What one status poll costs the agent against a real engine, N held jobs in the queue: Damson's
 * one batched call (`squeue --states=all --user` / `qstat -u -xml`) against the baseline measured
 * in the same run, one call per job (`squeue -j ID`, `qstat -j ID`). Also the submit cost per job.
 * Needs the engine running (scripts/slurm.sh start, scripts/gridengine.sh start).
 *
 * BENCH_JOBS (default 100) jobs; BENCH_ENGINES (default "slurm,gridengine").
 */
const JOBS = Number(process.env.BENCH_JOBS ?? 100);
const ENGINES = (process.env.BENCH_ENGINES ?? 'slurm,gridengine').split(',');
const ROUNDS = 5;

const geEnv = { ...process.env, SGE_ROOT: '/var/lib/gridengine', SGE_CELL: 'default' };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function bench(kind: string): Promise<void> {
  const engine: ClusterEngine =
    kind === 'slurm'
      ? new SlurmEngine({ toolTimeoutMs: 60_000 })
      : new GridEngine({ toolTimeoutMs: 60_000, env: geEnv });
  const env = kind === 'slurm' ? process.env : geEnv;
  const cwd = mkdtempSync(path.join(tmpdir(), `damson-bench-${kind}-`));
  const ids: string[] = [];
  const submitMs = await timed(async () => {
    for (let i = 0; i < JOBS; i++) {
      ids.push(
        await engine.submit({
          script: '#!/bin/sh\ntrue\n',
          cwd,
          name: `damson-bench${String(i).padStart(10, '0')}-1`,
          engineOutput: '/dev/null',
          extraArgs: [kind === 'slurm' ? '--hold' : '-h'],
          timeLimitMs: null,
        }),
      );
    }
  });
  try {
    const batched: number[] = [];
    const perJob: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      batched.push(await timed(() => engine.list()));
      perJob.push(
        await timed(async () => {
          for (const id of ids) {
            const args = kind === 'slurm' ? ['-h', '-j', id, '-o', '%i|%T'] : ['-j', id];
            await runTool(kind === 'slurm' ? 'squeue' : 'qstat', args, { timeoutMs: 60_000, env });
          }
        }),
      );
    }
    const [one, each] = [median(batched), median(perJob)];
    console.log(
      `${kind}: ${JOBS} jobs; submit ${(submitMs / JOBS).toFixed(1)} ms/job; ` +
        `status poll: one batched call ${one.toFixed(1)} ms vs one call per job ` +
        `${each.toFixed(0)} ms (baseline); ratio ${(each / one).toFixed(0)}x`,
    );
  } finally {
    await engine.cancel(ids);
  }
}

async function main(): Promise<void> {
  for (const kind of ENGINES) {
    const script = path.resolve(__dirname, '../../scripts', `${kind}.sh`);
    if (spawnSync(script, ['status'], { stdio: 'ignore' }).status !== 0) {
      console.log(`${kind}: not running (start it with ${script} start); skipped`);
      continue;
    }
    await bench(kind);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
