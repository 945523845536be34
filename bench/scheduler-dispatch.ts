import path from 'node:path';
import { Dealer, Router } from 'zeromq';
import { jobDirectoryRelative, newJobId } from '../src/jobs';
import { SqliteJobStore } from '../src/store/sqlite/sqlite-job-store';
import { makeHome, median, progress, removeHome, report } from './bench-lib';
import { instantDrain } from './instant-drain';

/**
 * C2 #5, scheduler dispatch: N jobs wait PENDING; a real scheduler process drains them through an
 * agent whose executor finishes every job at once. Goal ≥ 3,000 jobs/s. Baselines measured in the
 * same run: ZeroMQ DEALER↔ROUTER with 100 in flight, and single-row SQLite insert transactions.
 */
const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
const SLOTS = Number(process.env.BENCH_SLOTS ?? 1024);

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
  const { seconds, schedulerCpuMs } = await instantDrain({ jobs: JOBS, slots: SLOTS, pollMs: 100 });
  return { jobsPerSecond: JOBS / seconds, schedulerCpuMsPerJob: schedulerCpuMs / JOBS };
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
