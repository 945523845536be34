import type { BreakerSettings, LostJobGrace } from '../config/settings';
import { isFinished, type Job } from '../jobs';
import { delayPoint, failpoint, isArmed } from '../lifecycle/failpoint';
import type { DiskPause } from './disk-pause';
import type { Logger } from '../lifecycle/logger';
import type { HostEnvironment } from '../services/command/build-command';
import type { ServiceCatalog } from '../services/service-catalog';
import { ServiceRevisions } from '../services/service-revisions';
import type { JobStore } from '../store/job-store';
import type { AgentIO, ConnectAgents } from './agent-io';
import { ClaimLedger, drainBoundMs, type ReleaseReport } from './claim-ledger';
import { awaitingAck, freeSlots, jobsWithAgents, runningByService } from './agent-capacity';
import { AdminControls } from './admin-controls';
import { AgentReports } from './agent-reports';
import { planClaims } from './claim-plan';
import { EngineHealthFeed } from './engine-health-feed';
import { JobDispatch } from './job-dispatch';
import { JobRecovery } from './job-recovery';
import { PipelineRelease } from './pipeline-release';
import { OwnerShares, type OwnerSharing } from './owner-shares';
import { RunnerBreakers } from './runner-breakers';
import { TestRuns } from './test-runs';
import { WriteBatcher } from './write-batcher';
import type { SchedulerHooks } from './scheduler-metrics';
import { timerDelayMs } from '../lifecycle/long-timer';

export interface SchedulerOptions {
  owner: string;
  leaseMs: number;
  pollIntervalMs: number;
  heartbeatIntervalMs: number;
  jobsDirectory: string;
  host: HostEnvironment;
  timeoutSeconds: number | null;
  retries: number;
  maxRetries: number;
  lostJobGraceMs: LostJobGrace;
  breaker: BreakerSettings;
  /**
   * Tells servers, best effort, that job states changed (their waiters re-read): at once when a
   * job finished, within a few milliseconds when jobs only moved on (ChangeAnnouncer).
   */
  announceChanges?: (change: 'finished' | 'progress') => void;
  /**
   * A job with a callback (webhook) changed state: its delivery may be due now. Only those jobs
   * wake the deliverer, whose own poll catches the rest; waking it on every change cost a store
   * read per write.
   */
  callbacksChanged?: () => void;
  /** Claiming pauses while free disk space is below `store.min-free-disk`. */
  diskPause?: DiskPause;
  owners?: OwnerSharing;
  /** Sees every state write and every dispatch (src/scheduler/scheduler-metrics.ts). */
  metrics?: SchedulerHooks;
}

/** Everything the scheduler works with, given at once: it is built in one step. */
export interface SchedulerDeps<L extends AgentIO> {
  store: JobStore;
  catalog: ServiceCatalog;
  options: SchedulerOptions;
  log: Logger;
  /** Its only way to the agents (src/scheduler/agent-io.ts). */
  connectAgents: ConnectAgents<L>;
}

export type { ReleaseReport };

const DRAIN_POLL_MS = 10;

/**
 * Moves jobs through their states: claims due jobs, PENDING or delayed (priority, weights,
 * breakers; claim-plan.ts), and hands each to an agent with a free slot (job-dispatch.ts); what
 * agents report is recorded by AgentReports. The store is the truth; nothing here survives a
 * restart, and nothing needs to.
 */
export class Scheduler<L extends AgentIO = AgentIO> {
  private tickTimer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private dueTimer: NodeJS.Timeout | null = null;
  private ticking = false;
  private inTick: Promise<void> = Promise.resolve();
  private again = false;
  private stopped = false;
  private readonly claims = new ClaimLedger();
  private reconcileUntil = 0;
  private lastDriveAt = 0;
  private readonly driveIntervalMs: number;
  readonly writes: WriteBatcher;
  readonly breakers: RunnerBreakers;
  readonly recovery: JobRecovery;
  readonly reports: AgentReports;
  readonly controls: AdminControls;
  readonly pipelines: PipelineRelease;
  /** The agents, as the scheduler connected them (AgentLink in production). */
  readonly agents: L;
  private readonly jobs: JobDispatch;
  private readonly shares: OwnerShares;
  private readonly store: JobStore;
  private readonly catalog: ServiceCatalog;
  private readonly options: SchedulerOptions;
  private readonly log: Logger;
  /** Service health tests share the agents with jobs but never touch the store. */
  readonly testRuns = new TestRuns(() => this.agents);

  constructor({ store, catalog, options, log, connectAgents }: SchedulerDeps<L>) {
    this.store = store;
    this.catalog = catalog;
    this.options = options;
    this.log = log;
    const revisions = new ServiceRevisions(store, catalog);
    this.shares = new OwnerShares(store, options);
    this.pipelines = new PipelineRelease(store, revisions, options, log, () => this.wake());
    this.writes = new WriteBatcher(store, (written) => {
      this.pipelines.noteWritten(written);
      if (written.some((job) => job.callback)) this.options.callbacksChanged?.();
      this.options.announceChanges?.(
        written.some((job) => isFinished(job.state)) ? 'finished' : 'progress',
      );
    });
    this.writes.observer = options.metrics;
    this.breakers = new RunnerBreakers(store, options.breaker, log);
    this.recovery = new JobRecovery({
      store,
      catalog,
      writes: this.writes,
      breakers: this.breakers,
      options,
      log,
      wake: () => this.wake(),
      agents: () => this.agents,
      isTestRun: (jobId) => this.testRuns.owns(jobId),
    });
    this.reports = new AgentReports({
      writes: this.writes,
      claims: this.claims,
      breakers: this.breakers,
      recovery: this.recovery,
      engineHealth: new EngineHealthFeed(catalog, this.breakers, log),
      testRuns: this.testRuns,
      link: () => this.agents,
      leaseMs: options.leaseMs,
      wake: () => this.wake(),
      isStopped: () => this.stopped,
      log,
    });
    this.driveIntervalMs = Math.min(250, options.heartbeatIntervalMs);
    this.controls = new AdminControls(store, options.heartbeatIntervalMs, log);
    this.jobs = new JobDispatch({
      revisions,
      controls: this.controls,
      breakers: this.breakers,
      writes: this.writes,
      claims: this.claims,
      agents: () => this.agents.list(),
      dispatch: (agent, spec) => this.agents.dispatch(agent, spec),
      options,
      metrics: options.metrics,
      isStopped: () => this.stopped,
      log,
    });
    // Last: every handler exists before an agent can speak.
    this.agents = connectAgents({
      onHello: this.recovery.onHello,
      onMessage: this.reports.onMessage,
      onAgentLost: this.recovery.onAgentLost,
      onGoodbye: this.recovery.onGoodbye,
    });
  }

  /** Asks for a tick soon; calls while a tick runs coalesce into one more tick. */
  wake = (): void => {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = null;
    if (this.immediate) return;
    // setImmediate, not setTimeout(0): a timer costs a millisecond of latency per wake-up.
    this.immediate = setImmediate(() => {
      this.immediate = null;
      void this.tick();
    });
  };

  start(): void {
    // Agents re-introduce themselves within a heartbeat or two; until then, nothing is written off.
    this.reconcileUntil = Date.now() + 2.5 * this.options.heartbeatIntervalMs;
    this.recovery.startAfter(this.reconcileUntil);
    this.wake();
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    const delay = this.again ? 0 : this.options.pollIntervalMs;
    this.again = false;
    this.tickTimer = setTimeout(
      () => void this.tick(),
      timerDelayMs(Math.min(delay, this.driveIntervalMs)),
    );
  }

  private tick(): Promise<void> {
    if (!this.ticking) this.inTick = this.runTick();
    return this.inTick;
  }

  private async runTick(): Promise<void> {
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = null;
    this.ticking = true;
    try {
      const now = Date.now();
      this.agents.sweep(now);
      await this.controls.refresh(this.agents.list(), now);
      if (now >= this.reconcileUntil) {
        // Released steps go into the queue before this tick claims (see docs/scheduler.md).
        await this.pipelines.maybePass(now);
        await this.claimAndDispatch();
        if (now - this.lastDriveAt >= this.driveIntervalMs) {
          this.lastDriveAt = now;
          await this.recovery.driveActive();
        }
      }
    } catch (error) {
      this.log.error({ err: error }, 'scheduler tick failed; retrying');
    } finally {
      this.ticking = false;
      this.scheduleNext();
    }
  }

  private async claimAndDispatch(): Promise<void> {
    const free = freeSlots(this.controls.open(this.agents.list()));
    if (![...free.values()].some((n) => n > 0)) return;
    if (await this.options.diskPause?.paused()) return;
    const summary = await this.store.pendingSummary();
    this.armDueTimer(summary.nextDueAt);
    if (!summary.services.length) return;
    await this.controls.read();
    const now = Date.now();
    const batches = planClaims(summary.services, {
      catalog: this.catalog,
      free,
      running: runningByService(this.agents.list()),
      holds: (service, kind) => this.controls.holds(service, kind),
      capacity: (service, runner, wanted) => this.breakers.capacity(service, runner, now, wanted),
    });
    for (const { service, count, budgetRunner } of batches) {
      if (this.stopped) return;
      const jobs = await this.shares.claim(service, count, this.agents.list());
      this.remember(jobs);
      if (jobs.length) this.options.announceChanges?.('progress');
      if (jobs.some((job) => job.callback)) this.options.callbacksChanged?.();
      failpoint('scheduler-after-claim');
      // Armed only in tests: holds claimed jobs unsent, so a stop can be caught at that moment.
      if (isArmed('scheduler-before-dispatch')) await delayPoint('scheduler-before-dispatch');
      for (const job of jobs) await this.jobs.dispatch(job, budgetRunner);
    }
  }

  private remember(jobs: Job[]): void {
    const nowMs = Date.now();
    for (const job of jobs) {
      const expiresAtMs = job.leaseExpiresAt?.getTime() ?? nowMs + this.options.leaseMs;
      this.claims.claimed(job.id, job.fencingToken, expiresAtMs, nowMs);
    }
  }

  /** Wakes the scheduler when the earliest delayed (not-before) job becomes due. */
  private armDueTimer(at: Date | null): void {
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = null;
    if (!at || this.stopped) return;
    // A job due beyond Node's timer limit wakes the scheduler early, once: the tick finds nothing
    // due and arms this timer again. Unclamped, the timer would fire every millisecond.
    this.dueTimer = setTimeout(this.wake, timerDelayMs(at.getTime() - Date.now() + 1));
  }

  /** Stop intake: no more ticks, claims or dispatches. Agent reports are still recorded. */
  stop(): void {
    this.stopped = true;
    this.testRuns.stop();
    if (this.tickTimer) clearTimeout(this.tickTimer);
    if (this.dueTimer) clearTimeout(this.dueTimer);
    if (this.immediate) clearImmediate(this.immediate);
  }

  /**
   * Drain, after stop(): the tick in progress ends; then, for at most drainBoundMs, agents get to
   * acknowledge what was sent (dispatches are resent, heartbeats go on, no agent is declared lost)
   * and every report that came in is recorded; last, every batched write reaches the store.
   */
  async drain(): Promise<void> {
    await this.inTick;
    const deadline = Date.now() + drainBoundMs(this.options.heartbeatIntervalMs);
    while (
      Date.now() < deadline &&
      (awaitingAck(this.agents.list(), this.claims) > 0 || this.reports.pending > 0)
    ) {
      this.agents.sweep(Date.now(), { noticeLost: false });
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
    await this.writes.idle();
  }

  /**
   * Release, after drain(): claims no agent can hold go back to PENDING under their fencing token
   * (a stale one is refused), without counting an attempt, so the next scheduler claims them at
   * once. Agent reports arriving after this are left unacknowledged for the next scheduler.
   */
  async release(): Promise<ReleaseReport> {
    this.reports.close();
    await this.writes.idle();
    const plan = this.claims.plan(Date.now());
    const outcomes = await Promise.all(
      plan.release.map((c) => this.jobs.handBack({ id: c.jobId, fencingToken: c.fencingToken })),
    );
    const released = plan.release
      .filter((_, i) => outcomes[i] !== null)
      .map((claim) => claim.jobId);
    const refused = plan.release.filter((_, i) => outcomes[i] === null).map((claim) => claim.jobId);
    return {
      released,
      refused,
      inDoubt: plan.inDoubt.map((claim) => claim.jobId),
      withAgents: jobsWithAgents(this.agents.list()),
    };
  }
}
