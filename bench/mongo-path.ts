/**
 * `npm run bench:mongo`: Damson end to end on FerretDB 1.24 (PostgreSQL backend, started here with
 * scripts/ferretdb.sh) against Damson on SQLite, alternating, in one run. For each system and round:
 * end-to-end throughput (16 clients share BENCH_JOBS jobs, each polling its job every
 * BENCH_POLL_MS), submissions/s (16 clients, submissions only), latency (one client polling every
 * 10 ms), RSS of every process idle and at its peak under load, and on FerretDB the MongoDB commands
 * per job by kind (the driver's command monitoring, bench/mongo-command-counter.ts) and the CPU
 * FerretDB and PostgreSQL spent per job. Goal: Damson on FerretDB >= 25% of Damson on SQLite end to
 * end.
 *   npm run build && npm run bench:mongo      (BENCH_JOBS=800 BENCH_ROUNDS=3 for the full size)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DAMSON_BIN,
  makeHome,
  median,
  progress,
  removeHome,
  report,
  ROOT,
  trueService,
  until,
} from './bench-lib';
import { startFerretDb, type BenchFerretDb } from './ferretdb-server';
import {
  follow,
  latency,
  memory,
  perJob,
  readCommandCounts,
  round,
  shared,
  submit,
  type RunningSystem,
} from './side-by-side-lib';

export const JOBS = Number(process.env.BENCH_JOBS ?? 160);
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
export const CLIENTS = 16;
export const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 50);
export const LATENCY_JOBS = Number(process.env.BENCH_LATENCY_JOBS ?? 20);
export const LATENCY_POLL_MS = 10;
export const BOUND_MS = Number(process.env.BENCH_BOUND_S ?? 300) * 1000;
/** slivka's local queue runs 4 workers; Damson's local agent gets as many slots. */
export const WORKERS = 4;

const DAMSON_SERVICE = trueService({ parameters: { text: '{name: Text, type: text}' } });

/** `damson start` (server, scheduler, local agent) on the given store settings. */
export async function startDamsonSystem(
  store: Record<string, unknown>,
  countsDir?: string,
): Promise<RunningSystem> {
  const home = await makeHome({ noop: DAMSON_SERVICE }, { 'local-agent.slots': WORKERS, ...store });
  const preload = path.join(ROOT, 'dist/bench/mongo-command-counter.js');
  const env: NodeJS.ProcessEnv = { ...process.env, DAMSON_HOME: home.home, SLIVKA_HOME: '' };
  if (countsDir) {
    env.BENCH_MONGO_COUNTS_DIR = countsDir;
    env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require=${preload}`.trim();
  }
  const child = spawn(process.execPath, [DAMSON_BIN, 'start'], { env, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    const insist = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(insist);
    removeHome(home);
  };
  try {
    await until(
      async () => (await fetch(`${home.baseUrl}/api/version`).catch(() => null))?.ok === true,
      60_000,
      'the Damson server',
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    baseUrl: home.baseUrl,
    roots: [child.pid!],
    commandCounts: countsDir ? () => readCommandCounts(countsDir) : undefined,
    stop,
  };
}

export interface RoundResult {
  e2eJobsPerSecond: number;
  finished: number;
  submissionsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  idleMiB: number;
  loadPeakMiB: number;
  idleByProcess: Record<string, number>;
  commandsPerJob?: Record<string, number>;
  commandsPerJobTotal?: number;
  storeCpuMsPerJob?: { ferretdb: number; postgres: number };
}

/** One round on a started system: idle memory, latency, end to end, then submissions only. */
export async function measure(system: RunningSystem, ferret?: BenchFerretDb): Promise<RoundResult> {
  const { baseUrl } = system;
  // Warm-up, then rest so the idle figure is the idle one.
  for (let i = 0; i < 3; i++)
    await follow(baseUrl, await submit(baseUrl), 20, performance.now() + 60_000);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const idle = memory(system);
  const lat = await latency(baseUrl, LATENCY_JOBS, LATENCY_POLL_MS);

  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, memory(system).totalMiB)), 500);
  const countsBefore = system.commandCounts?.() ?? {};
  const cpuBefore = ferret?.cpuMs();
  let finished = 0;
  const t0 = performance.now();
  const deadline = t0 + BOUND_MS;
  await shared(CLIENTS, JOBS, deadline, async () => {
    if ((await follow(baseUrl, await submit(baseUrl), POLL_MS, deadline)) === 'COMPLETED')
      finished++;
  });
  const e2eSeconds = (performance.now() - t0) / 1000;
  const countsAfter = system.commandCounts?.() ?? {};
  const cpuAfter = ferret?.cpuMs();

  let submitted = 0;
  const s0 = performance.now();
  await shared(CLIENTS, JOBS, performance.now() + BOUND_MS, async () => {
    await submit(baseUrl);
    submitted++;
  });
  const submissionsPerSecond = submitted / ((performance.now() - s0) / 1000);
  clearInterval(sampler);

  const result: RoundResult = {
    e2eJobsPerSecond: round(finished / e2eSeconds),
    finished,
    submissionsPerSecond: round(submissionsPerSecond),
    latencyP50Ms: lat.p50Ms,
    latencyP99Ms: lat.p99Ms,
    idleMiB: idle.totalMiB,
    loadPeakMiB: peak,
    idleByProcess: idle.byProcess,
  };
  if (system.commandCounts && finished > 0) {
    result.commandsPerJob = perJob(countsBefore, countsAfter, finished);
    result.commandsPerJobTotal = round(
      Object.values(result.commandsPerJob).reduce((a, b) => a + b, 0),
      2,
    );
  }
  if (cpuBefore && cpuAfter && finished > 0) {
    result.storeCpuMsPerJob = {
      ferretdb: round((cpuAfter.ferretdb - cpuBefore.ferretdb) / finished),
      postgres: round((cpuAfter.postgres - cpuBefore.postgres) / finished),
    };
  }
  return result;
}

export async function damsonOnFerretDb(ferret: BenchFerretDb, round: number): Promise<RoundResult> {
  const counts = mkdtempSync(path.join(tmpdir(), 'damson-bench-counts-'));
  try {
    const system = await startDamsonSystem(
      { 'store.url': ferret.url, 'mongodb.database': `bench_${process.pid}_${round}` },
      counts,
    );
    try {
      return await measure(system, ferret);
    } finally {
      await system.stop();
    }
  } finally {
    rmSync(counts, { recursive: true, force: true });
  }
}

export async function damsonOnSqlite(): Promise<RoundResult> {
  const system = await startDamsonSystem({});
  try {
    return await measure(system);
  } finally {
    await system.stop();
  }
}

const medianOf = (results: RoundResult[], pick: (r: RoundResult) => number): number =>
  median(results.map(pick));

async function main(): Promise<void> {
  const ferret = startFerretDb();
  const onFerret: RoundResult[] = [];
  const onSqlite: RoundResult[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      progress(`round ${i + 1}/${ROUNDS}: Damson on FerretDB`);
      onFerret.push(await damsonOnFerretDb(ferret, i));
      progress(`round ${i + 1}/${ROUNDS}: Damson on SQLite`);
      onSqlite.push(await damsonOnSqlite());
    }
  } finally {
    ferret.stop();
  }
  const ratio =
    medianOf(onFerret, (r) => r.e2eJobsPerSecond) / medianOf(onSqlite, (r) => r.e2eJobsPerSecond);
  report('mongo-path', {
    jobs: JOBS,
    clients: CLIENTS,
    pollMs: POLL_MS,
    rounds: ROUNDS,
    ferretdb: onFerret,
    sqlite: onSqlite,
    ferretdbOverSqliteE2e: round(ratio, 3),
    goal: '>= 0.25',
    met: ratio >= 0.25 && onFerret.every((r) => r.finished === JOBS),
  });
  process.exit(0);
}

if (require.main === module) void main();
