import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { jobDirectoryRelative, newJobId } from '../src/jobs';
import { createLogger } from '../src/lifecycle/logger';
import { AgentHost } from '../src/runners/agent-host';
import { SqliteJobStore } from '../src/store/sqlite/sqlite-job-store';
import { clientSecurity } from '../src/transport/link-security';
import {
  cpuMs,
  makeHome,
  progress,
  removeHome,
  startDamson,
  trueService,
  until,
} from './bench-lib';
import { InstantExecutor } from './instant-executor';

export interface DrainOptions {
  jobs: number;
  slots: number;
  /** The owner of the i-th job (null: stored without one). */
  ownerOf?: (i: number) => string | null;
  /** How often the count of COMPLETED jobs is read. */
  pollMs: number;
}

export interface Drain {
  seconds: number;
  /** CPU time the scheduler process spent on the drain. */
  schedulerCpuMs: number;
}

/**
 * The scheduler's dispatch path alone: `jobs` PENDING jobs written straight into the store, a
 * real scheduler process, and an in-process agent whose executor finishes every job at once.
 * Timed from the agent's start to the last job COMPLETED.
 */
export async function instantDrain({ jobs, slots, ownerOf, pollMs }: DrainOptions): Promise<Drain> {
  const home = await makeHome({ noop: trueService() });
  const dbFile = path.join(home.home, 'data/damson.sqlite');
  // Opened first: the file gets its schema (and the owner column) before the rows go in.
  const store = new SqliteJobStore(dbFile);
  const scheduler = startDamson(home.home, ['scheduler']);
  mkdirSync(path.join(home.home, 'media/jobs'), { recursive: true });
  const host = new AgentHost(
    new InstantExecutor(slots),
    {
      name: 'instant',
      schedulerAddress: home.agentsAddress,
      heartbeatIntervalMs: 1000,
      jobsDirectory: path.join(home.home, 'media/jobs'),
      // The same keys as the scheduler it starts (created by whichever end comes first).
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
      for (let i = 0; i < jobs; i++) {
        const id = newJobId();
        insert.run(id, Date.now(), jobDirectoryRelative(id), ownerOf?.(i) ?? null);
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
      () => (completed.get() as { n: number }).n >= jobs,
      Number(process.env.BENCH_TIMEOUT_MS ?? 300_000),
      'the drain',
      pollMs,
    );
    const seconds = (performance.now() - t0) / 1000;
    const schedulerCpuMs = cpuMs(scheduler.child.pid!) - cpuBefore;
    db.close();
    return { seconds, schedulerCpuMs };
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
