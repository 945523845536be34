import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { failpoint } from '../../lifecycle/failpoint';
import type { Logger } from '../../lifecycle/logger';
import type { DispatchSpec, RunningJob } from '../../transport/protocol';
import { AttemptTable } from '../attempt-table';
import { stateForExit } from '../exit-status';
import type { Executor, ExecutorEvent, ReportEvent } from '../executor';
import {
  MAX_JOB_DEPTH,
  MAX_JOB_ENTRIES,
  measureJobDirectory,
  type JobDirectoryUsage,
} from './job-directory-usage';
import { openLocalJournal, type LocalJournal, type LocalJournalEntry } from './local-journal';
import { classifyLaunchError } from './launch-failure';
import { isWrapperAlive, readExitFile, WRAPPER_SHELL, wrapperArgs } from './job-wrapper';
import { prepareJobDirectory } from '../prepare-job-directory';
import { setLongTimeout, type LongTimeout } from '../../lifecycle/long-timer';

type Outcome = Omit<ExecutorEvent, 'jobId' | 'fencingToken'>;

interface LocalJob {
  jobId: string;
  fencingToken: number;
  cwd: string;
  spec: DispatchSpec | null;
  phase: 'waiting' | 'running' | 'ended';
  pid: number | null;
  /** Why we are stopping it, when we are: decides the reported outcome. */
  stopping: Outcome | null;
  /** The run time limit; a limit can be longer than Node's timers allow. */
  timer: LongTimeout | null;
  /** Top-level names in the job directory that are inputs, not output (never counted). */
  inputNames: ReadonlySet<string>;
  /** A walk of the job directory is under way (at most one per job at a time). */
  measuring: boolean;
  lastMeasuredAt: number;
}

export interface LocalExecutorOptions {
  slots: number;
  /** The agent's journal file: jobs started by this agent, across its restarts. */
  journalFile: string;
  /** Bytes all files in a job's directory may hold together; also the limit of any one file. */
  outputQuotaBytes: number;
  killGraceMs?: number;
  /** How often adopted jobs (started before a restart) and output sizes are checked. */
  checkIntervalMs?: number;
}

/**
 * Runs jobs as local processes: argv without a shell parsing it, cwd the job directory, stdout and
 * stderr straight to files (descriptors, not pipes), each job in its own process group so a cancel
 * reaches all its children, TERM then KILL.
 */
export class LocalExecutor implements Executor {
  readonly kinds = ['local'];
  readonly slots: number;
  private readonly jobs = new AttemptTable<LocalJob>();
  private readonly waiting: LocalJob[] = [];
  private runningCount = 0;
  private closed = false;
  private journal: LocalJournal | null = null;
  private report: ReportEvent = () => undefined;
  private checkTimer: NodeJS.Timeout | null = null;
  private readonly killGraceMs: number;

  constructor(
    private readonly options: LocalExecutorOptions,
    private readonly log: Logger,
  ) {
    this.slots = options.slots;
    this.killGraceMs = options.killGraceMs ?? 1000;
  }

  async open(report: ReportEvent): Promise<void> {
    this.report = report;
    this.journal = openLocalJournal(this.options.journalFile);
    for (const entry of this.journal.outstanding) this.adopt(entry);
    this.checkTimer = setInterval(() => this.check(), this.options.checkIntervalMs ?? 250);
    this.checkTimer.unref();
  }

  /** A job started before this agent restarted: still running, or ended with a recorded status. */
  private adopt(entry: LocalJournalEntry): void {
    const job: LocalJob = {
      jobId: entry.jobId,
      fencingToken: entry.fencingToken,
      cwd: entry.cwd,
      spec: null,
      phase: 'running',
      pid: entry.pid,
      stopping: null,
      timer: null,
      inputNames: new Set(entry.inputNames ?? []),
      measuring: false,
      lastMeasuredAt: 0,
    };
    this.jobs.set(job);
    this.runningCount++;
    this.log.info({ jobId: job.jobId, pid: job.pid }, 'adopted a job started before a restart');
    if (entry.timeoutMs !== null) {
      const left = Math.max(0, entry.startedAt + entry.timeoutMs - Date.now());
      job.timer = setLongTimeout(() => this.stop(job, timedOut(entry.timeoutMs!)), left);
    }
    this.checkAdopted(job);
  }

  private checkAdopted(job: LocalJob): void {
    if (job.phase !== 'running' || job.spec !== null || job.pid === null) return;
    if (isWrapperAlive(job.pid, job.jobId, job.fencingToken)) return;
    const code = readExitFile(job.cwd, job.fencingToken);
    if (job.stopping) return this.end(job, job.stopping);
    if (code === null) {
      return this.end(job, {
        state: 'INTERRUPTED',
        reason: 'the job ended while its agent was down and left no exit status',
        lost: true,
      });
    }
    this.end(job, { ...stateForExit(code, null), exitCode: code });
  }

  /** Adopted jobs are watched by polling (they are not our children); output sizes likewise. */
  private check(): void {
    for (const job of this.jobs.values()) {
      if (job.phase !== 'running') continue;
      this.checkAdopted(job);
      if (job.phase === 'running' && !job.stopping) this.checkQuota(job);
    }
  }

  /**
   * The whole job directory against the quota, walked off the event loop and at most once a
   * second per job (a walk can take a while on a tree the tool made large). RLIMIT_FSIZE in the
   * wrapper already stops any one file at the quota; this catches many files that add up.
   */
  private checkQuota(job: LocalJob): void {
    const now = Date.now();
    if (job.measuring || now - job.lastMeasuredAt < QUOTA_WALK_INTERVAL_MS) return;
    job.measuring = true;
    job.lastMeasuredAt = now;
    void this.overQuota(job)
      .then((over) => {
        if (over && job.phase === 'running') this.stop(job, over);
      })
      .finally(() => {
        job.measuring = false;
      });
  }

  /** Why the job is over its output limits, or null when it is not. */
  private async overQuota(job: LocalJob): Promise<Outcome | null> {
    let usage: JobDirectoryUsage;
    try {
      usage = await measureJobDirectory(job.cwd, this.options.outputQuotaBytes, job.inputNames);
    } catch (error) {
      this.log.warn({ jobId: job.jobId, err: error }, 'cannot measure the job directory');
      return null;
    }
    return quotaOutcome(usage, this.options.outputQuotaBytes);
  }

  async start(spec: DispatchSpec): Promise<void> {
    if (this.closed) throw new Error('the agent is stopping');
    if (this.jobs.get(spec)) return;
    for (const older of this.jobs.values()) {
      // A newer attempt supersedes an older one the scheduler has written off.
      if (older.jobId === spec.jobId)
        this.stop(older, { state: 'INTERRUPTED', reason: 'superseded' });
    }
    const job: LocalJob = {
      jobId: spec.jobId,
      fencingToken: spec.fencingToken,
      cwd: spec.cwd,
      spec,
      phase: 'waiting',
      pid: null,
      stopping: null,
      timer: null,
      inputNames: new Set(spec.links.map((l) => l.name)),
      measuring: false,
      lastMeasuredAt: 0,
    };
    this.jobs.set(job);
    this.waiting.push(job);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.runningCount < this.slots && this.waiting.length) {
      const job = this.waiting.shift()!;
      job.phase = 'running';
      this.runningCount++;
      void this.launch(job);
    }
  }

  private end(job: LocalJob, outcome: Outcome): void {
    if (job.phase === 'ended') return;
    job.timer?.clear();
    if (job.phase === 'running') this.runningCount--;
    job.phase = 'ended';
    this.report({ jobId: job.jobId, fencingToken: job.fencingToken, ...outcome });
    this.pump();
  }

  private async launch(job: LocalJob): Promise<void> {
    const spec = job.spec!;
    try {
      await prepareJobDirectory(spec.cwd, spec.links, spec);
    } catch (error) {
      // A disk or permission problem of the host: retried, and the breaker sees it. The reason
      // keeps only the error code (the message holds a server path); the log has the rest.
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      this.log.warn({ jobId: job.jobId, err: error }, 'cannot prepare the job directory');
      const reason = `cannot prepare the job directory (${code})`;
      return this.end(job, { state: 'ERROR', reason, lost: true });
    }
    if (job.stopping) return this.end(job, job.stopping);
    let out = -1;
    let err = -1;
    try {
      out = openSync(path.join(spec.cwd, 'stdout'), 'w');
      err = openSync(path.join(spec.cwd, 'stderr'), 'w');
      const args = wrapperArgs(
        spec.jobId,
        spec.fencingToken,
        spec.argv,
        this.options.outputQuotaBytes,
      );
      const child = spawn(WRAPPER_SHELL, args, {
        cwd: spec.cwd,
        env: spec.env,
        stdio: ['ignore', out, err],
        detached: true,
      });
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (child.pid !== undefined) return;
        this.launchFailed(job, error);
      });
      child.once('exit', (code, signal) => {
        // The wrapper went first; whatever is left of a stopped job's group goes with it.
        if (job.stopping) {
          killGroup(child.pid!, 'SIGKILL');
          return this.end(job, { ...job.stopping, exitCode: code });
        }
        // A tool stopped by RLIMIT_FSIZE dies of SIGXFSZ (exit 153) or fails on EFBIG; either way
        // the directory is over the quota, and that is the reason the user should read.
        void this.overQuota(job).then((over) => {
          const outcome = job.stopping ?? over ?? stateForExit(code, signal);
          this.end(job, { ...outcome, exitCode: code });
        });
      });
      if (child.pid === undefined) return;
      failpoint('agent-after-spawn');
      job.pid = child.pid;
      this.journal?.started({
        jobId: spec.jobId,
        fencingToken: spec.fencingToken,
        cwd: spec.cwd,
        pid: child.pid,
        startedAt: Date.now(),
        timeoutMs: spec.timeoutMs,
        inputNames: spec.links.map((l) => l.name),
      });
      this.report({
        jobId: spec.jobId,
        fencingToken: spec.fencingToken,
        state: 'RUNNING',
        externalId: String(child.pid),
      });
      if (spec.timeoutMs) {
        job.timer = setLongTimeout(() => this.stop(job, timedOut(spec.timeoutMs!)), spec.timeoutMs);
      }
    } catch (error) {
      if (job.pid !== null) {
        // The tool runs, but the journal write failed (a disk error): without a journal entry an
        // agent restart would lose it, so it is stopped, and the attempt is the host's loss.
        this.log.error({ jobId: job.jobId, err: error }, 'cannot record a started job');
        return this.stop(job, {
          state: 'ERROR',
          reason: 'the agent could not record the job',
          lost: true,
        });
      }
      this.launchFailed(job, error);
    } finally {
      if (out >= 0) closeSync(out);
      if (err >= 0) closeSync(err);
    }
  }

  /**
   * spawn threw (NUL byte, E2BIG: the job's own argv) or emitted an error before there was a pid
   * (the wrapper shell or the job directory unusable, the host out of processes). Only the host's
   * failures are `lost`: retried and counted against the runner's breaker.
   */
  private launchFailed(job: LocalJob, error: unknown): void {
    const { reason, lost } = classifyLaunchError(error);
    const code = (error as NodeJS.ErrnoException | null)?.code;
    this.log.warn({ jobId: job.jobId, code, lost }, `job launch failed: ${reason}`);
    this.end(job, { state: 'ERROR', reason, lost });
  }

  /** TERM to the job's whole process group, KILL after the grace time; reports `outcome`. */
  private stop(job: LocalJob, outcome: Outcome): void {
    if (job.phase === 'ended' || job.stopping) return;
    job.stopping = outcome;
    if (job.phase === 'waiting') {
      this.waiting.splice(this.waiting.indexOf(job), 1);
      return this.end(job, outcome);
    }
    const pid = job.pid;
    if (pid === null) return; // still preparing: launch() sees `stopping`
    this.log.info({ jobId: job.jobId, pid, why: outcome.reason }, 'stopping job process group');
    killGroup(pid, 'SIGTERM');
    setTimeout(() => killGroup(pid, 'SIGKILL'), this.killGraceMs).unref();
  }

  async cancel(jobId: string, fencingToken: number): Promise<void> {
    const job = this.jobs.get({ jobId, fencingToken });
    if (!job) return;
    const before = job.phase === 'waiting';
    this.stop(
      job,
      before
        ? { state: 'DELETED', reason: 'cancelled before it started' }
        : {
            state: 'INTERRUPTED',
            reason: 'cancelled',
          },
    );
  }

  running(): RunningJob[] {
    return [...this.jobs.values()].map((job) => ({
      jobId: job.jobId,
      fencingToken: job.fencingToken,
      externalId: job.pid === null ? null : String(job.pid),
    }));
  }

  finalized(jobId: string, fencingToken: number): void {
    const job = this.jobs.get({ jobId, fencingToken });
    if (!job || job.phase !== 'ended') return;
    this.jobs.delete({ jobId, fencingToken });
    if (job.pid !== null) this.journal?.ended({ jobId, fencingToken });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.checkTimer) clearInterval(this.checkTimer);
    for (const job of this.jobs.values()) job.timer?.clear();
    this.journal?.close();
  }
}

const QUOTA_WALK_INTERVAL_MS = 1000;

function quotaOutcome(usage: JobDirectoryUsage, quotaBytes: number): Outcome | null {
  switch (usage.kind) {
    case 'within':
      return null;
    case 'over-quota':
      return { state: 'FAILED', reason: `output quota of ${quotaBytes} bytes exceeded` };
    case 'too-many-entries':
      return {
        state: 'FAILED',
        reason: `output limit exceeded: more than ${MAX_JOB_ENTRIES} files and directories`,
      };
    case 'too-deep':
      return {
        state: 'FAILED',
        reason: `output limit exceeded: directories nested deeper than ${MAX_JOB_DEPTH} levels`,
      };
  }
}

function timedOut(timeoutMs: number): Outcome {
  return { state: 'INTERRUPTED', reason: `timed out after ${Math.round(timeoutMs / 1000)} s` };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}
