import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Dealer, Router } from 'zeromq';
import { jobDirectoryRelative, newJobId } from '../src/jobs';
import { createLogger } from '../src/lifecycle/logger';
import { clientSecurity } from '../src/transport/link-security';
import { AgentHost } from '../src/runners/agent-host';
import { SqliteJobStore } from '../src/store/sqlite/sqlite-job-store';
import {
  cpuMs,
  makeHome,
  median,
  progress,
  removeHome,
  report,
  startDamson,
  until,
} from './bench-lib';
import { InstantExecutor } from './instant-executor';

/**
 * C2 #5, scheduler dispatch: N jobs wait PENDING; a real scheduler process drains them through an
 * agent whose executor finishes every job at once. Goal ≥ 3,000 jobs/s. Baselines measured in the
 * same run: ZeroMQ DEALER↔ROUTER with 100 in flight, and single-row SQLite insert transactions.
 */
const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
const SLOTS = Number(process.env.BENCH_SLOTS ?? 1024);

const SERVICE = `slivka-version: '0.8.3'
name: noop
parameters: {}
command: ['true']
args: {}
outputs: {}
execution:
  runners:
    default:
      type: ShellRunner
`;

async function zmqBaseline(ms = 2000): Promise<number> {
  const router = new Router();
  await router.bind('tcp://127.0.0.1:*');
  const dealer = new Dealer();
  dealer.connect(router.lastEndpoint!);
  void (async () => {
    for await (const [id, msg] of router) await router.send([id, msg]);
  })().catch(() => undefined);
  const payload = Buffer.alloc(120, 'x');
  let done = 0;
  const end = Date.now() + ms;
  let sent = 0;
  const receiver = (async () => {
    for await (const [frame] of dealer) {
      if (!frame) continue;
      done++;
      if (Date.now() >= end) break;
    }
  })();
  while (Date.now() < end) {
    while (sent - done < 100) {
      await dealer.send(payload);
      sent++;
    }
    await new Promise((r) => setImmediate(r));
  }
  await receiver.catch(() => undefined);
  router.close();
  dealer.close();
  return done / (ms / 1000);
}

async function sqliteBaseline(dir: string, ms = 1500): Promise<number> {
  const store = new SqliteJobStore(path.join(dir, 'baseline.sqlite'));
  let n = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const id = newJobId();
    await store.insertJob({
      id,
      service: 's',
      inputs: { a: 'x'.repeat(200) },
      parameters: {},
      workDir: jobDirectoryRelative(id),
    });
    n++;
  }
  await store.close();
  return n / (ms / 1000);
}

async function runOnce(): Promise<{ jobsPerSecond: number; schedulerCpuMsPerJob: number }> {
  const home = await makeHome({ noop: SERVICE });
  const dbFile = path.join(home.home, 'data/damson.sqlite');
  const scheduler = startDamson(home.home, ['scheduler']);
  const store = new SqliteJobStore(dbFile);
  const log = createLogger('bench-agent', 'warn');
  mkdirSync(path.join(home.home, 'media/jobs'), { recursive: true });
  const host = new AgentHost(
    new InstantExecutor(SLOTS),
    {
      name: 'instant',
      schedulerAddress: home.agentsAddress,
      heartbeatIntervalMs: 1000,
      jobsDirectory: path.join(home.home, 'media/jobs'),
      // The same keys as the scheduler it starts (created by whichever end comes first).
      security: clientSecurity(home.agentsAddress, path.join(home.home, 'keys')),
    },
    log,
  );
  try {
    const db = new Database(dbFile);
    const insert = db.prepare(
      `INSERT INTO jobs (id, service, inputs, parameters, state, submitted_at, work_dir) VALUES (?, 'noop', '{}', '{}', 'PENDING', ?, ?)`,
    );
    db.transaction(() => {
      for (let i = 0; i < JOBS; i++) {
        const id = newJobId();
        insert.run(id, Date.now(), jobDirectoryRelative(id));
      }
    })();
    const completed = db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE state = 'COMPLETED'`);
    await until(
      () => /scheduler running/.test(scheduler.output()) || scheduler.child.exitCode !== null,
      20_000,
      'scheduler',
    );
    const cpuBefore = cpuMs(scheduler.child.pid!);
    const t0 = performance.now();
    await host.start();
    await until(
      () => (completed.get() as { n: number }).n >= JOBS,
      Number(process.env.BENCH_TIMEOUT_MS ?? 300_000),
      'the drain',
      100,
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuMs(scheduler.child.pid!) - cpuBefore;
    db.close();
    return { jobsPerSecond: JOBS / seconds, schedulerCpuMsPerJob: cpu / JOBS };
  } catch (error) {
    progress(scheduler.output().slice(-2000));
    throw error;
  } finally {
    await host.stop();
    await scheduler.stop();
    await store.close();
    removeHome(home);
  }
}

async function main(): Promise<void> {
  const repetitions = Number(process.env.BENCH_REPETITIONS ?? 3);
  const home = await makeHome({});
  const zmq100 = await zmqBaseline();
  progress(`baseline: ZeroMQ 100 in flight ${Math.round(zmq100)}/s`);
  const sqlInsert = await sqliteBaseline(home.home);
  progress(`baseline: SQLite inserts ${Math.round(sqlInsert)}/s`);
  const runs = [];
  for (let i = 0; i < repetitions; i++) {
    runs.push(await runOnce());
    progress(`run ${i + 1}: ${Math.round(runs[i].jobsPerSecond)} jobs/s`);
  }
  const rates = runs.map((r) => r.jobsPerSecond);
  removeHome(home);
  report('scheduler-dispatch', {
    jobs: JOBS,
    baselines: {
      zmq100RoundTripsPerSecond: Math.round(zmq100),
      sqliteInsertsPerSecond: Math.round(sqlInsert),
    },
    jobsPerSecond: {
      median: Math.round(median(rates)),
      min: Math.round(Math.min(...rates)),
      max: Math.round(Math.max(...rates)),
    },
    schedulerCpuMsPerJob: Number(median(runs.map((r) => r.schedulerCpuMsPerJob)).toFixed(3)),
    ratioToZmq100: Number((median(rates) / zmq100).toFixed(3)),
    goal: '>= 3000 jobs/s',
    met: median(rates) >= 3000,
  });
  process.exit(0);
}

void main();
