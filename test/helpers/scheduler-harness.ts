import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { jobDirectoryRelative, newJobId, type Job, type JobState } from '../../src/jobs';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';
import { makeDamsonHome, REPO_ROOT, type DamsonHome } from './damson-home';
import { DAMSON_BIN } from './damson-process';
import { waitFor } from './wait-for';

export const SCHEDULER_SERVICES = path.join(REPO_ROOT, 'test/fixtures/scheduler-services');

export interface DamsonChild {
  name: string;
  child: ChildProcess;
  pid: number;
  output: () => string;
  exited: Promise<number | null>;
  /** SIGKILL (the crash) or SIGTERM (a graceful stop); resolves when the process is gone. */
  kill: (signal?: NodeJS.Signals) => Promise<void>;
}

/**
 * Runs Damson's processes one by one (scheduler, agent, server) for a test home, so a test can kill
 * and restart each on its own; all share the home's SQLite store with the test itself.
 */
export class SchedulerHarness {
  readonly children = new Set<DamsonChild>();
  store!: SqliteJobStore;

  private constructor(readonly home: DamsonHome) {}

  static async create(
    extra: Record<string, string | number> = {},
    services = SCHEDULER_SERVICES,
  ): Promise<SchedulerHarness> {
    const harness = new SchedulerHarness(
      await makeDamsonHome({ 'scheduler.heartbeat-interval': 200, ...extra }, services),
    );
    harness.store = new SqliteJobStore(path.join(harness.home.home, 'data/damson.sqlite'));
    return harness;
  }

  get jobsDirectory(): string {
    return path.join(this.home.home, 'media/jobs');
  }

  start(args: string[], env: Record<string, string> = {}): DamsonChild {
    const child = spawn(process.execPath, [DAMSON_BIN, ...args], {
      env: { ...process.env, DAMSON_HOME: this.home.home, SLIVKA_HOME: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    const entry: DamsonChild = {
      name: args.join(' '),
      child,
      pid: child.pid!,
      output: () => output,
      exited,
      kill: async (signal = 'SIGKILL') => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        await exited;
        this.children.delete(entry);
      },
    };
    this.children.add(entry);
    return entry;
  }

  scheduler(env: Record<string, string> = {}): DamsonChild {
    return this.start(['scheduler'], env);
  }

  agent(args: string[] = [], env: Record<string, string> = {}): DamsonChild {
    return this.start(['agent', '--kind', 'local', ...args], env);
  }

  async submit(
    service: string,
    inputs: { seconds?: number | string; code?: number | string } = {},
    extra: { priority?: number; notBefore?: Date; workDir?: string } = {},
  ): Promise<Job> {
    const id = newJobId();
    return this.store.insertJob({
      id,
      service,
      inputs: { seconds: String(inputs.seconds ?? 0), code: String(inputs.code ?? 0) },
      parameters: {},
      workDir: jobDirectoryRelative(id),
      ...extra,
    });
  }

  async waitForState(id: string, states: JobState[], timeoutMs = 15_000): Promise<Job> {
    return waitFor(
      async () => {
        const job = await this.store.getJob(id);
        return job && states.includes(job.state) ? job : undefined;
      },
      `job ${id} to reach ${states.join('/')}`,
      timeoutMs,
      20,
    );
  }

  /** Job ids in the order their command ran (each run appends its job directory). */
  ledger(): string[] {
    const file = path.join(this.home.home, 'ledger');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((dir) => {
        const [a, b, rest] = path.relative(this.jobsDirectory, dir).split('/');
        return `${rest}${b}${a}`;
      });
  }

  async close(): Promise<void> {
    await Promise.all([...this.children].map((c) => c.kill('SIGKILL')));
    // Job process groups outlive their agent by design: end the ones this test started.
    const { jobs } = await this.store.listJobs({ limit: 10_000 });
    for (const job of jobs) {
      const pid = Number(job.externalId);
      if (!Number.isInteger(pid) || pid <= 1) continue;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await this.store.close();
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
