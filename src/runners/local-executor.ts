import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../lifecycle/logger';
import type { DispatchSpec, RunningJob } from '../transport/protocol';
import { stateForExit } from './exit-status';
import type { Executor, ExecutorEvent } from './executor';
import { prepareJobDirectory } from './prepare-job-directory';

interface LocalJob {
  spec: DispatchSpec;
  report: (event: ExecutorEvent) => void;
  child: ChildProcess | null;
  launched: boolean;
  cancelled: boolean;
  timer: NodeJS.Timeout | null;
}

const KILL_GRACE_MS = 1000;

/**
 * Runs jobs as local processes: argv without a shell, cwd the job directory, stdout and stderr
 * straight to files, each job in its own process group so a cancel reaches all its children.
 */
export class LocalExecutor implements Executor {
  readonly kinds = ['local'];
  private readonly jobs = new Map<string, LocalJob>();
  private readonly waiting: string[] = [];
  private runningCount = 0;
  private closed = false;

  constructor(
    readonly slots: number,
    private readonly log: Logger,
  ) {}

  async start(spec: DispatchSpec, report: (event: ExecutorEvent) => void): Promise<void> {
    if (this.jobs.has(spec.jobId)) return;
    this.jobs.set(spec.jobId, {
      spec,
      report,
      child: null,
      launched: false,
      cancelled: false,
      timer: null,
    });
    this.waiting.push(spec.jobId);
    report({
      jobId: spec.jobId,
      fencingToken: spec.fencingToken,
      state: 'QUEUED',
      externalId: null,
    });
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.runningCount < this.slots && this.waiting.length) {
      const job = this.jobs.get(this.waiting.shift()!);
      if (job && !job.cancelled) {
        job.launched = true;
        this.runningCount++;
        void this.launch(job);
      }
    }
  }

  private finish(job: LocalJob, event: Omit<ExecutorEvent, 'jobId' | 'fencingToken'>): void {
    if (job.timer) clearTimeout(job.timer);
    this.jobs.delete(job.spec.jobId);
    if (job.launched) this.runningCount--;
    job.report({ jobId: job.spec.jobId, fencingToken: job.spec.fencingToken, ...event });
    this.pump();
  }

  private async launch(job: LocalJob): Promise<void> {
    const { spec } = job;
    try {
      await prepareJobDirectory(spec.cwd, spec.links);
    } catch (error) {
      this.finish(job, {
        state: 'ERROR',
        reason: `cannot prepare the job directory: ${(error as Error).message}`,
      });
      return;
    }
    const out = openSync(path.join(spec.cwd, 'stdout'), 'w');
    const err = openSync(path.join(spec.cwd, 'stderr'), 'w');
    let child: ChildProcess;
    try {
      child = spawn(spec.argv[0], spec.argv.slice(1), {
        cwd: spec.cwd,
        env: spec.env,
        stdio: ['ignore', out, err],
        detached: true,
      });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    job.child = child;
    child.once('spawn', () => {
      job.report({
        jobId: spec.jobId,
        fencingToken: spec.fencingToken,
        state: 'RUNNING',
        externalId: String(child.pid),
      });
      if (spec.timeoutMs) job.timer = setTimeout(() => this.kill(job, 'timeout'), spec.timeoutMs);
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) return;
      this.finish(job, {
        state: 'ERROR',
        exitCode: null,
        reason: `cannot start ${spec.argv[0]}: ${error.code ?? error.message}`,
      });
    });
    child.once('exit', (code, signal) => {
      const state = job.cancelled ? 'INTERRUPTED' : stateForExit(code, signal);
      const reason = job.cancelled ? 'cancelled' : signal ? `killed by ${signal}` : null;
      this.finish(job, { state, exitCode: code, reason });
    });
  }

  private kill(job: LocalJob, why: string): void {
    const pid = job.child?.pid;
    if (pid === undefined) return;
    this.log.info({ jobId: job.spec.jobId, pid, why }, 'stopping job process group');
    const signalGroup = (signal: NodeJS.Signals): void => {
      try {
        process.kill(-pid, signal);
      } catch {
        // the group is already gone
      }
    };
    signalGroup('SIGTERM');
    setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS).unref();
  }

  async cancel(jobId: string): Promise<void> {
    const job = this.jobs.get(jobId);
    if (!job) return;
    job.cancelled = true;
    if (job.child) {
      this.kill(job, 'cancel');
    } else {
      const at = this.waiting.indexOf(jobId);
      if (at >= 0) this.waiting.splice(at, 1);
      this.jobs.delete(jobId);
      job.report({
        jobId,
        fencingToken: job.spec.fencingToken,
        state: 'DELETED',
        reason: 'cancelled before it started',
      });
    }
  }

  running(): RunningJob[] {
    return [...this.jobs.values()].map((job) => ({
      jobId: job.spec.jobId,
      fencingToken: job.spec.fencingToken,
      externalId: job.child?.pid !== undefined ? String(job.child.pid) : null,
    }));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
