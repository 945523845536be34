/**
 * `npm run bench:slivka`: slivka 0.8.5b7 from PyPI and Damson side by side on one FerretDB 1.24
 * (PostgreSQL backend, started here as bench:mongo starts it), each in its own database, the same
 * service (bench/side-by-side-lib.ts NOOP_SERVICE: one text parameter, `true`), the same clients,
 * alternating in one run, with Damson on SQLite as a third system (BENCH_SQLITE=0 leaves it out).
 *
 * slivka: `slivka start server -t gunicorn` (gunicorn 23.0.0 in slivka's venv; BENCH_SLIVKA_HTTP_WORKERS
 * workers, default 1: slivka's own default, 2 × cores + 1, gave it no throughput in a run on this
 * FerretDB, only memory), `slivka start scheduler`, `slivka start local-queue -w 4`, with
 * bench/slivka-shim/ferretdb_shim.py working around what FerretDB 1.24 lacks (aggregation $group
 * with $push/$first; on the PostgreSQL backend an update command of 50 statements or more is never
 * answered). Damson: `damson start`, MongoDB store on the same FerretDB, local agent
 * with 4 slots. Install slivka with `scripts/slivka.sh install-gunicorn`.
 *
 * Per system and round (bench/mongo-path.ts measure): end to end (16 clients share BENCH_JOBS jobs,
 * each polling its job every BENCH_POLL_MS), submissions only (16 clients), latency p50 with one
 * client polling every 10 ms, RSS of all the system's processes idle and at its peak under load,
 * and FerretDB + PostgreSQL CPU per job during the end-to-end run. Goals (issue: the MongoDB path
 * at speed), as ratios of medians, Damson on FerretDB over slivka: end to end ≥ 2, submissions ≥ 2,
 * every job finished, latency p50 ≤ 0.1, idle memory ≤ 1, memory under load ≤ 1.5; and Damson on
 * FerretDB ≥ 0.25 of Damson on SQLite end to end.
 *   npm run build && npm run bench:slivka     (BENCH_JOBS=800 BENCH_ROUNDS=3 for the full size)
 */
import { median, progress, report } from './bench-lib';
import { startFerretDb, type BenchFerretDb } from './ferretdb-server';
import {
  CLIENTS,
  damsonOnFerretDb,
  damsonOnSqlite,
  JOBS,
  LATENCY_JOBS,
  LATENCY_POLL_MS,
  measure,
  POLL_MS,
  ROUNDS,
  WORKERS,
  type RoundResult,
} from './mongo-path';
import { round } from './side-by-side-lib';
import { SLIVKA_VERSION, slivkaDefaultHttpWorkers, startSlivkaSystem } from './slivka-system';

const HTTP_WORKERS = Number(process.env.BENCH_SLIVKA_HTTP_WORKERS ?? 1);
const WITH_SQLITE = process.env.BENCH_SQLITE !== '0';
const BACKLOG_SETTLE_MS = 3000;

async function slivkaOnFerretDb(
  ferret: BenchFerretDb,
  roundIndex: number,
  workarounds: Set<string>,
): Promise<RoundResult> {
  const system = await startSlivkaSystem({
    mongoUrl: ferret.url,
    database: `slivka_bench_${process.pid}_${roundIndex}`,
    queueWorkers: WORKERS,
    httpWorkers: HTTP_WORKERS,
  });
  try {
    const result = await measure(system, ferret);
    // The submissions-only phase ends with a backlog slivka's scheduler writes in bulk on its next
    // cycles: give it those cycles, so the report says whether the bulk-write split was needed.
    await new Promise((resolve) => setTimeout(resolve, BACKLOG_SETTLE_MS));
    return result;
  } finally {
    for (const name of system.workaroundsUsed()) workarounds.add(name);
    await system.stop();
  }
}

type Pick = (r: RoundResult) => number;
const ratioOf = (a: RoundResult[], b: RoundResult[], pick: Pick): number =>
  round(median(a.map(pick)) / median(b.map(pick)), 3);
const storeCpu: Pick = (r) =>
  round((r.storeCpuMsPerJob?.ferretdb ?? NaN) + (r.storeCpuMsPerJob?.postgres ?? NaN));

/** One line per figure: each system's rounds, then the ratio and its goal. */
function table(
  slivka: RoundResult[],
  damson: RoundResult[],
  sqlite: RoundResult[],
): { text: string; met: boolean } {
  const rows: string[] = [
    '| figure | slivka on FerretDB | Damson on FerretDB | Damson/slivka | goal | met |',
    '| --- | --- | --- | ---: | --- | --- |',
  ];
  let allMet = true;
  const list = (rs: RoundResult[], pick: Pick): string => rs.map(pick).join(', ');
  const row = (name: string, pick: Pick, goal: string, ok?: (ratio: number) => boolean): void => {
    const ratio = ratioOf(damson, slivka, pick);
    const met = ok ? ok(ratio) : undefined;
    if (met === false) allMet = false;
    rows.push(
      `| ${name} | ${list(slivka, pick)} | ${list(damson, pick)} | ${ratio} | ${goal} | ${
        met === undefined ? '' : met ? 'yes' : 'NO'
      } |`,
    );
  };
  row(
    'end to end, jobs/s',
    (r) => r.e2eJobsPerSecond,
    '≥ 2',
    (x) => x >= 2,
  );
  const finished = (rs: RoundResult[]): string => rs.map((r) => `${r.finished}/${JOBS}`).join(', ');
  const allFinished = damson.every((r) => r.finished === JOBS);
  if (!allFinished) allMet = false;
  rows.push(
    `| finished | ${finished(slivka)} | ${finished(damson)} | | every job | ${allFinished ? 'yes' : 'NO'} |`,
  );
  row(
    'submissions only, req/s',
    (r) => r.submissionsPerSecond,
    '≥ 2',
    (x) => x >= 2,
  );
  row(
    'latency p50, ms',
    (r) => r.latencyP50Ms,
    '≤ 0.1',
    (x) => x <= 0.1,
  );
  row('latency p99, ms', (r) => r.latencyP99Ms, '');
  row(
    'memory idle, MiB',
    (r) => r.idleMiB,
    '≤ 1',
    (x) => x <= 1,
  );
  row(
    'memory peak under load, MiB',
    (r) => r.loadPeakMiB,
    '≤ 1.5',
    (x) => x <= 1.5,
  );
  row('FerretDB + PostgreSQL CPU per job, ms', storeCpu, '');
  if (sqlite.length) {
    const ratio = ratioOf(damson, sqlite, (r) => r.e2eJobsPerSecond);
    const met = ratio >= 0.25;
    if (!met) allMet = false;
    rows.push(
      `| Damson on SQLite, end to end jobs/s | | ${list(sqlite, (r) => r.e2eJobsPerSecond)} | FerretDB/SQLite ${ratio} | ≥ 0.25 | ${met ? 'yes' : 'NO'} |`,
    );
  }
  return { text: rows.join('\n'), met: allMet };
}

async function main(): Promise<void> {
  const ferret = startFerretDb();
  const slivka: RoundResult[] = [];
  const damson: RoundResult[] = [];
  const sqlite: RoundResult[] = [];
  const workarounds = new Set<string>();
  try {
    for (let i = 0; i < ROUNDS; i++) {
      // The order turns each round, so no system always runs on the warmest (or most loaded) FerretDB.
      const steps: [string, () => Promise<void>][] = [
        ['slivka', async () => void slivka.push(await slivkaOnFerretDb(ferret, i, workarounds))],
        ['Damson on FerretDB', async () => void damson.push(await damsonOnFerretDb(ferret, i))],
      ];
      if (WITH_SQLITE)
        steps.push(['Damson on SQLite', async () => void sqlite.push(await damsonOnSqlite())]);
      for (let k = 0; k < steps.length; k++) {
        const [name, run] = steps[(i + k) % steps.length];
        progress(`round ${i + 1}/${ROUNDS}: ${name}`);
        await run();
      }
    }
  } finally {
    ferret.stop();
  }
  const summary = table(slivka, damson, sqlite);
  report('slivka-side-by-side', {
    jobs: JOBS,
    clients: CLIENTS,
    pollMs: POLL_MS,
    latencyJobs: LATENCY_JOBS,
    latencyPollMs: LATENCY_POLL_MS,
    rounds: ROUNDS,
    slivka: {
      version: SLIVKA_VERSION,
      server: `gunicorn, ${HTTP_WORKERS} worker(s) (slivka's default here: ${slivkaDefaultHttpWorkers()})`,
      localQueueWorkers: WORKERS,
      workaroundsUsed: [...workarounds].sort(),
    },
    slivkaOnFerretdb: slivka,
    damsonOnFerretdb: damson,
    damsonOnSqlite: sqlite,
    met: summary.met,
  });
  process.stdout.write(`${summary.text}\n`);
  process.exit(0);
}

if (require.main === module) void main();
