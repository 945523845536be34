/**
 * A big store: with 1,000,000 finished jobs in SQLite (100,000 on MongoDB/FerretDB), submission,
 * status GET, the first page of the listing and claims must keep ≥ 90% of their rate on a nearly
 * empty store (100 finished jobs), measured in the same run. The big store is filled by writing
 * rows directly (bench/big-store-fill.ts), not by running jobs. Both stores are open at once and
 * measured in alternating rounds, each operation on one store right after the other (the order
 * swapped every round); a round's ratio compares the two, and the median of the rounds' ratios
 * is reported, so a machine whose load changes between rounds slows both sides of each ratio.
 * HTTP routes go through the real app (createApp, no scheduler) on loopback; claims call the
 * store as the scheduler does (one service's waiting jobs).
 *
 * Both stores are put in the same state before measuring: the fill ends with an emptied WAL, and
 * each store holds the same fixed backlog of waiting jobs of another service, which half of the
 * status GETs read (a waiting job's status carries a queue estimate, whose cost follows the
 * number of jobs ahead: with the jobs each store accepted in the round, the store that accepted
 * fewer answered faster).
 *   npm run build && npm run bench:big-store [-- --sqlite-jobs 1000000 --mongo-jobs 100000
 *     --seconds 1 --rounds 9 --no-mongo --no-sqlite]
 * MongoDB is MONGODB_URL, else a private FerretDB started with scripts/ferretdb.sh.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jobDirectoryRelative, newJobId } from '../src/jobs';
import { loadSettings } from '../src/config/load-settings';
import { createApp } from '../src/http/create-app';
import { JobWatcher } from '../src/http/job-watcher';
import { createLogger } from '../src/lifecycle/logger';
import { ServiceCatalog } from '../src/services/service-catalog';
import { ServiceRevisions } from '../src/services/service-revisions';
import type { JobStore } from '../src/store/job-store';
import { MongoJobStore } from '../src/store/mongodb/mongo-job-store';
import { SqliteJobStore } from '../src/store/sqlite/sqlite-job-store';
import { makeHome, median, removeHome, report, ROOT, type BenchHome } from './bench-lib';
import { fillMongo, fillSqlite } from './big-store-fill';

const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const SQLITE_JOBS = arg('sqlite-jobs', 1_000_000);
const MONGO_JOBS = arg('mongo-jobs', 100_000);
const SECONDS = arg('seconds', 1);
const ROUNDS = arg('rounds', 9);
const CONCURRENCY = 4;
const GOAL = 0.9;
const SMALL = 100;
const SERVICES = ['sleep', 'alpha', 'beta', 'gamma'];
/** Submitted and claimed: the service the bench's submissions go to. */
const SUBMITTED_SERVICE = 'sleep';
/** Waiting jobs of another service, never claimed, the same in both stores. */
const BACKLOG = 200;
const BACKLOG_SERVICE = 'alpha';
const OPS = ['submit', 'status', 'list', 'list-service', 'list-state', 'claim'] as const;
type Op = (typeof OPS)[number];

interface Target {
  label: 'empty' | 'full';
  store: JobStore;
  home: BenchHome;
  server: Server;
  base: string;
  finished: string[];
  waiting: string[];
  watcher: JobWatcher;
}

const sleepService = readFileSync(path.join(ROOT, 'services/sleep.service.yaml'), 'utf8');

/** No request may take longer: on FerretDB a listing of a big store can take minutes. */
const REQUEST_TIMEOUT_MS = 30_000;
const limited = (): { signal: AbortSignal } => ({
  signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
});

/** A phase's rate, and this process's CPU time per operation (client, server and store). */
interface Measured {
  perSecond: number;
  cpuUsPerOp: number;
}

/**
 * Runs `op` from CONCURRENCY workers for SECONDS. An operation that times out ends the
 * measurement, which then counts only what finished (0/s if nothing did). The CPU time is the
 * steadier reading on a shared machine: other processes stretch the wall clock, much less the
 * CPU this process spends per operation.
 */
async function load(op: (i: number) => Promise<boolean>): Promise<Measured> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  let n = 0;
  let done = false;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (!done && performance.now() < deadline) {
        try {
          if (await op(n)) n++;
          else done = true;
        } catch (error) {
          if ((error as Error).name !== 'TimeoutError') throw error;
          process.stderr.write(`a request took over ${REQUEST_TIMEOUT_MS} ms\n`);
          done = true;
        }
      }
    }),
  );
  const perSecond = n / ((performance.now() - start) / 1000);
  const used = process.cpuUsage(cpu);
  return { perSecond, cpuUsPerOp: (used.user + used.system) / Math.max(n, 1) };
}

async function ok(res: Response): Promise<void> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status}: ${text.slice(0, 200)}`);
}

async function measure(target: Target, op: Op): Promise<Measured> {
  const { base, store } = target;
  switch (op) {
    case 'submit':
      return load(async () => {
        const res = await fetch(`${base}/api/services/sleep/jobs`, {
          method: 'POST',
          body: new URLSearchParams({ seconds: '1' }),
          ...limited(),
        });
        await res.json();
        if (res.status !== 202) throw new Error(`submit: ${res.status}`);
        return true;
      });
    case 'status':
      // Half finished jobs, half waiting ones (their status carries a queue estimate).
      return load(async (i) => {
        const pool = i % 2 ? target.finished : target.waiting;
        await ok(await fetch(`${base}/api/jobs/${pool[(i * 7919) % pool.length]}`, limited()));
        return true;
      });
    case 'list':
      return load(
        async () => (await ok(await fetch(`${base}/api/jobs?limit=50`, limited())), true),
      );
    case 'list-service':
      return load(
        async () => (
          await ok(await fetch(`${base}/api/jobs?limit=50&service=alpha`, limited())),
          true
        ),
      );
    case 'list-state':
      return load(
        async () => (
          await ok(await fetch(`${base}/api/jobs?limit=50&status=COMPLETED`, limited())),
          true
        ),
      );
    case 'claim':
      // Takes the jobs this round's submissions left waiting, one claim at a time.
      return load(
        async () => (await store.claimPending('bench', 60_000, 1, SUBMITTED_SERVICE)).length === 1,
      );
  }
}

async function openTarget(
  label: Target['label'],
  kind: 'sqlite' | 'mongodb',
  count: number,
  mongoUrl: string | undefined,
): Promise<Target> {
  const services = Object.fromEntries(SERVICES.map((id) => [id, sleepService]));
  const home = await makeHome(services, { 'api.list-jobs': 'anyone', 'log.level': 'silent' });
  const settings = loadSettings({ DAMSON_HOME: home.home });
  const database = `bench_big_${label}_${process.pid}`;
  const file = path.join(settings.directories.data, 'damson.sqlite');
  const store: JobStore =
    kind === 'sqlite' ? new SqliteJobStore(file) : new MongoJobStore({ url: mongoUrl!, database });
  await store.ping();
  const started = performance.now();
  const finished =
    kind === 'sqlite'
      ? await fillSqlite(store, file, count, SERVICES)
      : await fillMongo(store, mongoUrl!, database, count, SERVICES);
  const fillSeconds = (performance.now() - started) / 1000;
  const waiting: string[] = [];
  for (let i = 0; i < BACKLOG; i++) {
    const id = newJobId();
    const job = { id, service: BACKLOG_SERVICE, inputs: {}, parameters: {} };
    waiting.push((await store.insertJob({ ...job, workDir: jobDirectoryRelative(id) })).id);
  }
  process.stderr.write(
    `${kind} ${label}: ${count} finished jobs written in ${fillSeconds.toFixed(1)} s\n`,
  );
  const catalog = new ServiceCatalog(settings.directories.services);
  catalog.reload();
  const log = createLogger('bench', 'silent');
  const watcher = new JobWatcher(store, settings.api.watchIntervalMs, log);
  const revisions = new ServiceRevisions(store, catalog);
  const app = createApp({
    settings,
    store,
    catalog,
    revisions,
    wake: () => undefined,
    log,
    watcher,
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { label, store, home, server, base, finished, waiting, watcher };
}

async function closeTarget(target: Target, dropMongo: (database: string) => Promise<void>) {
  target.watcher.close();
  target.server.closeAllConnections();
  await new Promise((resolve) => target.server.close(resolve));
  await target.store.close();
  await dropMongo(`bench_big_${target.label}_${process.pid}`);
  removeHome(target.home);
}

async function runKind(kind: 'sqlite' | 'mongodb', count: number, mongoUrl?: string) {
  const dropMongo = async (database: string): Promise<void> => {
    if (kind !== 'mongodb') return;
    const { MongoClient } = await import('mongodb');
    const client = new MongoClient(mongoUrl!);
    await client.db(database).dropDatabase();
    await client.close();
  };
  const empty = await openTarget('empty', kind, SMALL, mongoUrl);
  const full = await openTarget('full', kind, count, mongoUrl);
  const rates: Record<'empty' | 'full', Record<Op, number[]>> = {
    empty: Object.fromEntries(OPS.map((op) => [op, []])) as unknown as Record<Op, number[]>,
    full: Object.fromEntries(OPS.map((op) => [op, []])) as unknown as Record<Op, number[]>,
  };
  const ratios = Object.fromEntries(OPS.map((op) => [op, []])) as unknown as Record<Op, number[]>;
  const cpu: Record<'empty' | 'full', Record<Op, number>> = { empty: {}, full: {} } as never;
  try {
    // Round 0 warms both apps up (JIT, statement caches, page cache) and is not counted.
    for (let round = 0; round <= ROUNDS; round++) {
      const order = round % 2 ? [full, empty] : [empty, full];
      for (const op of OPS) {
        for (const target of order) {
          const measured = await measure(target, op);
          if (round === 0) continue;
          rates[target.label][op].push(measured.perSecond);
          cpu[target.label][op] = (cpu[target.label][op] ?? 0) + measured.cpuUsPerOp / ROUNDS;
        }
        if (round > 0) ratios[op].push(rates.full[op][round - 1] / rates.empty[op][round - 1]);
      }
    }
  } finally {
    await closeTarget(empty, dropMongo);
    await closeTarget(full, dropMongo);
  }
  for (const op of OPS) {
    const small = median(rates.empty[op]);
    const big = median(rates.full[op]);
    const ratio = median(ratios[op]);
    const spread = `${Math.min(...ratios[op]).toFixed(2)}-${Math.max(...ratios[op]).toFixed(2)}`;
    const required = ['submit', 'status', 'list', 'claim'].includes(op);
    // Rate by CPU: operations per CPU second of this process, big store over small.
    const cpuRatio = cpu.empty[op] / cpu.full[op];
    console.log(
      `${kind.padEnd(7)} ${op.padEnd(12)} empty ${small.toFixed(0).padStart(6)}/s  ` +
        `${count} jobs ${big.toFixed(0).padStart(6)}/s  ratio ${ratio.toFixed(2)} ` +
        `(rounds ${spread}; by CPU ${cpuRatio.toFixed(2)}, ` +
        `${cpu.empty[op].toFixed(0)} and ${cpu.full[op].toFixed(0)} µs/op)` +
        (required ? `  ${ratio >= GOAL ? 'ok' : `BELOW ${GOAL}`}` : '  (not a goal)'),
    );
    report('big-store', {
      store: kind,
      op,
      jobs: count,
      emptyPerSecond: small,
      fullPerSecond: big,
      ratio,
      roundRatios: ratios[op],
      cpuUsPerOp: { empty: cpu.empty[op], full: cpu.full[op] },
      cpuRatio,
      goal: required ? GOAL : null,
    });
  }
}

function startFerretDb(): { url: string; stop: () => void } {
  const runDir = mkdtempSync(path.join(tmpdir(), 'damson-bench-ferretdb-'));
  const script = path.join(ROOT, 'scripts/ferretdb.sh');
  const env = { ...process.env, DAMSON_RUN: runDir };
  const url = execFileSync(script, ['start'], { env, encoding: 'utf8' }).trim();
  return {
    url,
    stop: () => {
      execFileSync(script, ['stop'], { env, stdio: 'ignore' });
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  if (!process.argv.includes('--no-sqlite')) await runKind('sqlite', SQLITE_JOBS);
  if (process.argv.includes('--no-mongo')) return;
  const ferret = process.env.MONGODB_URL ? null : startFerretDb();
  try {
    await runKind('mongodb', MONGO_JOBS, process.env.MONGODB_URL ?? ferret!.url);
  } finally {
    ferret?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
