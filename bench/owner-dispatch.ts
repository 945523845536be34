import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { jobDirectoryRelative, newJobId } from '../src/jobs';
import { createLogger } from '../src/lifecycle/logger';
import { AgentHost } from '../src/runners/agent-host';
import { SqliteJobStore } from '../src/store/sqlite/sqlite-job-store';
import { clientSecurity } from '../src/transport/link-security';
import { makeHome, median, progress, removeHome, report, startDamson, until } from './bench-lib';
import { InstantExecutor } from './instant-executor';

/**
 * Fair shares' cost: N jobs wait PENDING, owned by one owner, or spread round robin over
 * BENCH_OWNERS owners (100) competing for the slots; a real scheduler process drains them through
 * an agent that finishes every job at once. The one-owner drain is the baseline, measured in the
 * same run, alternating with the many-owner drain. Goal: many owners ≥ 90% of one owner's rate.
 */
const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
const SLOTS = Number(process.env.BENCH_SLOTS ?? 256);
const OWNERS = Number(process.env.BENCH_OWNERS ?? 100);

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

async function drain(owners: number): Promise<number> {
  const home = await makeHome({ noop: SERVICE });
  const dbFile = path.join(home.home, 'data/damson.sqlite');
  // Opened first: the file gets its schema (and the owner column) before the rows go in.
  const store = new SqliteJobStore(dbFile);
  const scheduler = startDamson(home.home, ['scheduler']);
  mkdirSync(path.join(home.home, 'media/jobs'), { recursive: true });
  const host = new AgentHost(
    new InstantExecutor(SLOTS),
    {
      name: 'instant',
      schedulerAddress: home.agentsAddress,
      heartbeatIntervalMs: 1000,
      jobsDirectory: path.join(home.home, 'media/jobs'),
      security: clientSecurity(home.agentsAddress, path.join(home.home, 'keys')),
    },
    createLogger('bench-agent', 'warn'),
  );
  try {
    const db = new Database(dbFile);
    const insert = db.prepare(
      `INSERT INTO jobs (id, service, inputs, parameters, state, submitted_at, work_dir, owner)
       VALUES (?, 'noop', '{}', '{}', 'PENDING', ?, ?, ?)`,
    );
    db.transaction(() => {
      for (let i = 0; i < JOBS; i++) {
        const id = newJobId();
        insert.run(id, Date.now(), jobDirectoryRelative(id), `token:owner-${i % owners}`);
      }
    })();
    const completed = db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE state = 'COMPLETED'`);
    await until(
      () => /scheduler running/.test(scheduler.output()) || scheduler.child.exitCode !== null,
      20_000,
      'scheduler',
    );
    const t0 = performance.now();
    await host.start();
    await until(
      () => (completed.get() as { n: number }).n >= JOBS,
      Number(process.env.BENCH_TIMEOUT_MS ?? 300_000),
      'the drain',
      50,
    );
    const seconds = (performance.now() - t0) / 1000;
    db.close();
    return JOBS / seconds;
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
  const one: number[] = [];
  const many: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    one.push(await drain(1));
    many.push(await drain(OWNERS));
    progress(
      `run ${i + 1}: 1 owner ${Math.round(one[i])}/s, ${OWNERS} owners ${Math.round(many[i])}/s`,
    );
  }
  const ratio = median(many) / median(one);
  report('owner-dispatch', {
    jobs: JOBS,
    slots: SLOTS,
    owners: OWNERS,
    baseline: { oneOwnerJobsPerSecond: Math.round(median(one)) },
    manyOwnersJobsPerSecond: Math.round(median(many)),
    ratioToOneOwner: Number(ratio.toFixed(3)),
    goal: '>= 0.9 of one owner',
    met: ratio >= 0.9,
  });
  process.exit(0);
}

void main();
