import { mkdir } from 'node:fs/promises';
import type { JobState } from '../../jobs';
import type { Logger } from '../../lifecycle/logger';
import type { DispatchSpec, RunningJob } from '../../transport/protocol';
import { AttemptTable } from '../attempt-table';
import type { Executor, ReportEvent, ReportHealth } from '../executor';
import { prepareJobDirectory } from '../prepare-job-directory';
import type { ClusterEngine, EngineJob, EngineOutcome, EngineView } from './cluster-engine';
import { ConcurrencyLimit } from './concurrency-limit';
import { accountingFor, listAttempts, type ListedLookup } from './engine-snapshot';
import { journalEntryOf, openClusterJournal, type ClusterJournal } from './cluster-journal';
import { isTransient, type BackoffOptions, type EngineToolError } from './engine-tool';
import { publicReason } from '../../jobs';
import { readJobRecords, type JobRecords } from './job-records';
import { attemptFiles, engineJobName, renderJobScript } from './job-script';
import { heldJob, stopOlderAttempts, type ClusterJob } from './cluster-job';
import { jobVerdict, pastTimeLimit } from './job-verdict';
import { runnerArgs } from './runner-args';
import { DEFAULT_SUBMIT_BACKOFF, submitAttempt } from './submit-attempt';
import { ToolHealth, type ToolFailureHook } from './tool-health';
import { timerDelayMs } from '../../lifecycle/long-timer';

export interface ClusterExecutorOptions {
  slots: number;
  journalFile: string;
  pollIntervalMs: number;
  /** How long a job the engine shows ended by itself may take to show its exit record (30 s). */
  recordGraceMs?: number;
  /** How long a job may be missing from the engine (and its accounting) before it is given up. */
  vanishGraceMs?: number;
  submitBackoff?: BackoffOptions;
  /** Submit calls running at once (default 4). */
  submitConcurrency?: number;
  /** Called on every failed engine call: feeds the runner's circuit breaker. */
  onToolFailure?: ToolFailureHook;
}

const ENGINE_LIMIT_MARGIN_MS = 60_000;

/**
 * Runs jobs on a cluster engine: a job script per attempt, one submit call per job, one status call
 * per poll for all jobs, the job's exit record as the final word. Engine jobs outlive the agent;
 * a restarted agent finds its attempts again through its journal, the engine and the records.
 */
export class ClusterExecutor implements Executor {
  readonly kinds: string[];
  readonly slots: number;
  readonly health: ToolHealth;
  private readonly jobs = new AttemptTable<ClusterJob>();
  private report: ReportEvent = () => undefined;
  private journal: ClusterJournal | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private skipPolls = 0;
  private readonly submitLimit: ConcurrencyLimit;

  constructor(
    private readonly engine: ClusterEngine,
    private readonly options: ClusterExecutorOptions,
    private readonly log: Logger,
  ) {
    this.kinds = [engine.kind];
    this.slots = options.slots;
    this.health = new ToolHealth(engine.kind, log, options.onToolFailure);
    this.submitLimit = new ConcurrencyLimit(options.submitConcurrency ?? 4);
  }

  async open(report: ReportEvent): Promise<void> {
    this.report = report;
    this.journal = openClusterJournal(this.options.journalFile);
    for (const entry of this.journal.outstanding) {
      this.jobs.set(heldJob(entry, 'QUEUED'));
      this.log.info({ jobId: entry.jobId, engineId: entry.engineId }, 'recovered a cluster job');
    }
    this.schedulePoll(0);
  }

  watchHealth(report: ReportHealth): void {
    this.health.watch(report);
  }

  async start(spec: DispatchSpec): Promise<void> {
    const existing = this.jobs.get(spec);
    if (existing) return existing.submitting ?? undefined;
    if (this.closed) throw new Error('the agent is stopping');
    let extraArgs: string[] | null = null;
    let badParameters: string | null = null;
    try {
      extraArgs = runnerArgs(this.engine.kind, spec.runnerParameters);
    } catch (error) {
      badParameters = (error as Error).message;
    }
    const job = heldJob(
      {
        jobId: spec.jobId,
        fencingToken: spec.fencingToken,
        cwd: spec.cwd,
        name: engineJobName(spec.jobId, spec.fencingToken),
        engineId: null,
        cancelRequested: false,
        timeoutMs: spec.timeoutMs,
      },
      null,
    );
    this.jobs.set(job);
    // Taken, then ended ERROR at once: the same parameters would fail every attempt, so this is
    // the job's own error (with the reason for the user), not a dispatch to retry elsewhere.
    if (extraArgs === null) return this.refused(job, `bad runner parameters: ${badParameters}`);
    job.submitting = this.submit(job, spec, extraArgs).finally(() => (job.submitting = null));
    return job.submitting;
  }

  /** The job can never be submitted as it is: it ends ERROR, and nothing reaches the engine. */
  private refused(job: ClusterJob, reason: string): void {
    this.log.warn({ jobId: job.jobId, reason }, 'job refused');
    job.ended = true;
    this.emit(job, 'ERROR', { reason: publicReason(reason) });
  }

  private async submit(job: ClusterJob, spec: DispatchSpec, extraArgs: string[]): Promise<void> {
    const files = attemptFiles(spec.cwd, spec.fencingToken);
    let script: string;
    try {
      await prepareJobDirectory(spec.cwd, spec.links, spec);
      // Private: the records are the agent's, not outputs for a web server to hand out.
      await mkdir(files.directory, { recursive: true, mode: 0o700 });
      script = renderJobScript({ ...spec, engineIdVariable: this.engine.engineIdVariable });
    } catch (error) {
      this.jobs.delete(job);
      throw new Error(`cannot prepare the job: ${(error as Error).message}`, { cause: error });
    }
    try {
      const { engine, jobs: held, journal, health, log } = this;
      await stopOlderAttempts({ engine, held, journal, health, log }, job);
    } catch (error) {
      this.jobs.delete(job);
      throw new Error(
        `cannot make sure no older attempt runs in ${this.engine.kind}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.journal?.started(journalEntryOf(job));
    try {
      job.engineId = await this.submitLimit.run(() =>
        submitAttempt(this.engine, {
          script,
          cwd: spec.cwd,
          name: job.name,
          engineOutput: files.engineOutput,
          extraArgs,
          // The engine's limit is a backstop: the agent cancels on time itself (the engine may
          // count from another moment, SLURM in whole minutes).
          timeLimitMs: spec.timeoutMs === null ? null : spec.timeoutMs + ENGINE_LIMIT_MARGIN_MS,
          backoff: this.options.submitBackoff ?? DEFAULT_SUBMIT_BACKOFF,
          health: this.health,
        }),
      );
    } catch (error) {
      this.journal?.ended(job);
      if (!isTransient(error as Error)) {
        // The engine rejected the request (unknown partition or queue, bad option): it would
        // reject every attempt, so it is submitted once and the job ends with the engine's words.
        const refusal = (error as EngineToolError).stderr.trim() || (error as Error).message;
        return this.refused(job, `${this.engine.kind} refused the job: ${refusal}`);
      }
      this.jobs.delete(job);
      throw new Error(`cannot submit to ${this.engine.kind}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.health.succeeded();
    this.journal?.updated(job, { engineId: job.engineId });
    job.seenActive = true; // submitted by this process: it watches the job from now on
    this.log.info({ jobId: job.jobId, engineId: job.engineId }, 'submitted');
    // Accepted means QUEUED: the scheduler records that on the dispatch ack.
    job.lastState = 'QUEUED';
    if (job.cancelRequested) void this.sendCancels([job]);
  }

  private emit(
    job: ClusterJob,
    state: JobState,
    extra: { reason: string | null; exitCode?: number | null; lost?: boolean },
  ): void {
    job.lastState = state;
    this.report({
      jobId: job.jobId,
      fencingToken: job.fencingToken,
      state,
      externalId: job.engineId,
      ...extra,
    });
  }

  async cancel(jobId: string, fencingToken: number): Promise<void> {
    const job = this.jobs.get({ jobId, fencingToken });
    if (!job || job.ended) return;
    if (!job.cancelRequested) {
      job.cancelRequested = true;
      this.journal?.updated({ jobId, fencingToken }, { cancelRequested: true });
    }
    if (job.engineId !== null) await this.sendCancels([job]);
  }

  private async sendCancels(jobs: ClusterJob[]): Promise<void> {
    const ids = jobs.filter((j) => j.engineId !== null).map((j) => j.engineId!);
    try {
      await this.engine.cancel(ids);
      for (const job of jobs) job.cancelSent = job.engineId !== null;
    } catch (error) {
      this.health.failed(error as Error); // sent again at the next poll
    }
  }

  private schedulePoll(delayMs = this.options.pollIntervalMs): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.poll(), timerDelayMs(delayMs));
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    try {
      if (this.skipPolls > 0) this.skipPolls--;
      else await this.pollOnce();
    } catch (error) {
      this.log.error({ err: error }, 'cluster poll failed');
    } finally {
      this.schedulePoll();
    }
  }

  /** One engine listing for every job, then accounting for those that left it. */
  private async pollOnce(): Promise<void> {
    const jobs = [...this.jobs.values()].filter((j) => !j.ended && j.submitting === null);
    if (jobs.length === 0) return;
    let listed: ListedLookup;
    try {
      listed = await listAttempts(this.engine, jobs, this.health, (attempt, engineId) => {
        const job = attempt as ClusterJob;
        job.engineId = engineId;
        this.journal?.updated(job, { engineId: engineId });
      });
    } catch (error) {
      // Backoff: skip 1, 3, 7, ... polls (at most 31) after consecutive failures.
      this.skipPolls = Math.min(31, 2 ** this.health.failed(error as Error) - 1);
      return;
    }
    const unsent = jobs.filter((j) => j.cancelRequested && !j.cancelSent);
    if (unsent.length) await this.sendCancels(unsent);
    // Records are read after the listing: an exit written before the job left is always seen.
    const records = await Promise.all(jobs.map((j) => readJobRecords(j.cwd, j.fencingToken)));
    const unexplained = jobs.filter((job, i) => {
      const entry = listed(job);
      const ended = !entry || entry.view.phase === 'ended';
      return job.engineId !== null && records[i].exitCode === null && ended;
    });
    const accounting = await accountingFor(
      this.engine,
      unexplained.map((j) => j.engineId!),
      this.health,
    );
    const now = Date.now();
    for (const [i, job] of jobs.entries()) {
      const after = job.engineId === null ? undefined : accounting.get(job.engineId);
      await this.judge(job, listed(job), after, records[i], now);
    }
  }

  private async judge(
    job: ClusterJob,
    listed: EngineJob | undefined,
    postMortem: EngineView | undefined,
    records: JobRecords,
    now: number,
  ): Promise<void> {
    if (!job.cancelRequested && pastTimeLimit(job.timeoutMs, records, now)) {
      job.cancelReason = `timed out after ${Math.round(job.timeoutMs! / 1000)} s`;
      job.cancelRequested = true;
      this.journal?.updated(job, { cancelRequested: true });
      await this.sendCancels([job]);
    }
    const endedInEngine = listed ? listed.view.phase === 'ended' : false;
    job.endedSince = endedInEngine ? (job.endedSince ?? now) : null;
    job.vanishedSince = listed ? null : (job.vanishedSince ?? now);
    // Once reported RUNNING (the engine ran it), a job counts as started even if the script was
    // stopped before it could write its start record.
    if (job.lastState === 'RUNNING') records = { ...records, started: true };
    const verdict = jobVerdict({
      listed,
      postMortem,
      records,
      cancelRequested: job.cancelRequested,
      cancelReason: job.cancelReason,
      endedForMs: job.endedSince === null ? 0 : now - job.endedSince,
      vanishedForMs: job.vanishedSince === null ? 0 : now - job.vanishedSince,
      recordGraceMs: this.options.recordGraceMs ?? 30_000,
      vanishGraceMs: this.options.vanishGraceMs ?? 60_000,
    });
    switch (verdict.kind) {
      case 'active':
        job.seenActive = true;
        if (job.lastState !== verdict.state && !(job.lastState === 'RUNNING')) {
          this.emit(job, verdict.state, { reason: verdict.note });
        }
        return;
      case 'waiting':
        return;
      case 'delete':
        await this.sendCancels([job]);
        return this.end(job, verdict.outcome, null, records.started);
      case 'end':
        return this.end(job, verdict.outcome, verdict.exitCode, records.started);
    }
  }

  private end(
    job: ClusterJob,
    outcome: EngineOutcome,
    exitCode: number | null,
    started: boolean,
  ): void {
    job.ended = true;
    // A short job can start and end between two polls: it still passes through RUNNING.
    if (started && job.lastState !== 'RUNNING') this.emit(job, 'RUNNING', { reason: null });
    if (outcome.cancelledOutside && !job.seenActive) {
      // Cancelled while this agent was away (it never saw the job active since it started): no one
      // could tell Damson, so the attempt counts as lost and the scheduler may retry it. One
      // cancelled while the agent watched was an administrator's decision: it stays INTERRUPTED.
      outcome = { ...outcome, reason: `${outcome.reason} while its agent was away`, lost: true };
    }
    this.log.info({ jobId: job.jobId, engineId: job.engineId, ...outcome }, 'cluster job ended');
    this.emit(job, outcome.state, {
      reason: outcome.reason,
      exitCode,
      ...(outcome.lost ? { lost: true } : {}),
    });
  }

  running(): RunningJob[] {
    return [...this.jobs.values()].map((job) => ({
      jobId: job.jobId,
      fencingToken: job.fencingToken,
      externalId: job.engineId,
    }));
  }

  finalized(jobId: string, fencingToken: number): void {
    const job = this.jobs.get({ jobId, fencingToken });
    if (!job || !job.ended) return;
    this.jobs.delete({ jobId, fencingToken });
    this.journal?.ended({ jobId, fencingToken });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.jobs.values()].map((j) => j.submitting));
    this.journal?.close();
  }
}
