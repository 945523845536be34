import { execFileSync } from 'node:child_process';
import { createLogger } from '../../src/lifecycle/logger';
import { ClusterExecutor } from '../../src/runners/cluster/cluster-executor';
import type { ClusterEngine } from '../../src/runners/cluster/cluster-engine';
import { GridEngine } from '../../src/runners/gridengine/gridengine-engine';
import { SlurmEngine } from '../../src/runners/slurm/slurm-engine';
import { leaseEngine, type EngineKind, type EngineLease } from '../helpers/cluster-engine';
import type { RunnerHarness } from './runner-conformance';

/** The conformance harness of a cluster runner: a real engine, started by the project's script. */
export function clusterHarness(kind: EngineKind): RunnerHarness {
  let lease: EngineLease | null = null;
  const engine = (): ClusterEngine =>
    kind === 'slurm'
      ? new SlurmEngine({ toolTimeoutMs: 20_000, env: lease?.env })
      : new GridEngine({ toolTimeoutMs: 20_000, env: lease?.env });
  return {
    name: kind,
    runnerType: kind === 'slurm' ? 'SlurmRunner' : 'GridEngineRunner',
    setUp: async () => {
      lease = await leaseEngine(kind);
      return lease !== null;
    },
    tearDown: async () => {
      await lease?.release();
    },
    createExecutor: ({ journalFile, slots }) =>
      new ClusterExecutor(
        engine(),
        { slots, journalFile, pollIntervalMs: 250, recordGraceMs: 500, vanishGraceMs: 5000 },
        createLogger(`conformance-${kind}`, 'silent'),
      ),
    holdParameters: kind === 'slurm' ? { sbatchargs: '--hold' } : { qargs: ['-h'] },
    killOutside: async (externalId) => {
      execFileSync(kind === 'slurm' ? 'scancel' : 'qdel', [externalId], { env: lease?.env });
    },
    patienceMs: 30_000,
  };
}
