import path from 'node:path';
import type { BreakerSettings, LostJobGrace } from '../config/settings';
import { commandRecord, isFinished, type Job } from '../jobs';
import { delayPoint, failpoint, isArmed } from '../lifecycle/failpoint';
import type { DiskPause } from './disk-pause';
import type { Logger } from '../lifecycle/logger';
import { buildCommand, type HostEnvironment } from '../services/command/build-command';
import type { RunnerSpec, Service } from '../services/service';
import { TestRuns } from '../services/health/test-runs';
import type { ServiceCatalog } from '../services/service-catalog';
import { ServiceRevisions } from '../services/service-revisions';
import type { JobStore } from '../store/job-store';
import { MessageTooLargeError, type DispatchSpec } from '../transport/protocol';
import type { AgentInfo, AgentLink } from './agent-link';
import { ClaimLedger, drainBoundMs, type ReleaseReport } from './claim-ledger';
import {
  awaitingAck,
  freeSlots,
  jobsWithAgents,
  pickAgent,
  runningByService,
} from './agent-capacity';
import { AdminControls } from './admin-controls';
import { AgentReports } from './agent-reports';
import { EngineHealthFeed } from './engine-health-feed';
import { allocateSlots, type ShareCandidate } from './fair-share';
import { JobRecovery } from './job-recovery';
import { PipelineRelease } from './pipeline-release';
import { OwnerShares, type OwnerSharing } from './owner-shares';
import { RunnerBreakers } from './runner-breakers';
import { runnerKind } from '../jobs/runner-kind';
import { defaultRunner, selectRunner } from './select-runner';
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
  /** Claiming pauses while free disk space is below `store.min-free-disk`. */
  diskPause?: DiskPause;
  owners?: OwnerSharing;
  /** Sees every state write and every dispatch (src/scheduler/scheduler-metrics.ts). */
  metrics?: SchedulerHooks;
}

interface UsualRunner {
  service: Service | undefined;
  runner: RunnerSpec | null;
  kind: string | undefined;
}

/** Jobs that cannot be routed are still claimed (to be failed) in bounded batches. */
const UNROUTABLE_BATCH = 64;

export type { ReleaseReport };

const DRAIN_POLL_MS = 10;

/**
 * Moves jobs through their states: claims due jobs, PENDING or delayed (priority, weights,
 * breakers), builds the command and hands it to an agent with a free slot; what agents report is
 * recorded by AgentReports. The store is the truth; nothing here survives a restart, and nothing
 * needs to.
 */
export class Scheduler {
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
  link!: AgentLink;
  private readonly revisions: ServiceRevisions;
  private readonly shares: OwnerShares;
  /** Service health tests share the agents with jobs but never touch the store. */
  readonly testRuns = new TestRuns<AgentInfo>(() => this.link);

  constructor(
    private readonly store: JobStore,
    private readonly catalog: ServiceCatalog,
    private readonly options: SchedulerOptions,
    private readonly log: Logger,
  ) {
    this.revisions = new ServiceRevisions(store, catalog);
    this.shares = new OwnerShares(store, options);
    this.pipelines = new PipelineRelease(store, this.revisions, options, log, () => this.wake());
    this.writes = new WriteBatcher(store, (written) => {
      this.pipelines.noteWritten(written);
      this.options.announceChanges?.(
        written.some((job) => isFinished(job.state)) ? 'finished' : 'progress',
      );
    });
    this.writes.observer = options.metrics;
    this.breakers = new RunnerBreakers(store, options.breaker, log);
    this.recovery = new JobRecovery(store, catalog, this.writes, this.breakers, options, log, () =>
      this.wake(),
    );
    this.reports = new AgentReports({
      writes: this.writes,
      claims: this.claims,
      breakers: this.breakers,
      recovery: this.recovery,
      engineHealth: new EngineHealthFeed(catalog, this.breakers, log),
      testRuns: this.testRuns,
      link: () => this.link,
      leaseMs: options.leaseMs,
      wake: () => this.wake(),
      isStopped: () => this.stopped,
      log,
    });
    this.driveIntervalMs = Math.min(250, options.heartbeatIntervalMs);
    this.controls = new AdminControls(store, options.heartbeatIntervalMs, log);
  }

  attach(link: AgentLink): void {
    this.link = link;
    this.recovery.attach(link);
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
      this.link.sweep(now);
      await this.controls.refresh(this.link.list(), now);
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

  /** Before a claim: the service's usual runner decides its kind and its breaker. */
  private usualRunner(serviceId: string): UsualRunner {
    const service = this.catalog.get(serviceId);
    const runner = service ? defaultRunner(service) : null;
    return { service, runner, kind: runner ? runnerKind(runner.type) : undefined };
  }

  private async claimAndDispatch(): Promise<void> {
    const free = freeSlots(this.controls.open(this.link.list()));
    if (![...free.values()].some((n) => n > 0)) return;
    if (await this.options.diskPause?.paused()) return;
    const summary = await this.store.pendingSummary();
    this.armDueTimer(summary.nextDueAt);
    if (!summary.services.length) return;
    await this.controls.read();
    const running = runningByService(this.link.list());
    const byKind = new Map<string, ShareCandidate[]>();
    const claims: [string, number][] = [];
    const now = Date.now();
    for (const { service: id, due } of summary.services) {
      const usual = this.usualRunner(id);
      if (this.controls.holds(id, usual.kind)) continue;
      if (!usual.service || !usual.runner || !usual.kind) {
        claims.push([id, Math.min(due, UNROUTABLE_BATCH)]);
        continue;
      }
      const allowed = this.breakers.capacity(usual.service.id, usual.runner.id, now, due);
      if (allowed === 0) continue;
      const list = byKind.get(usual.kind) ?? [];
      list.push({
        service: id,
        due: allowed,
        running: running.get(id) ?? 0,
        weight: usual.service.scheduling.weight,
      });
      byKind.set(usual.kind, list);
    }
    for (const [kind, candidates] of byKind)
      claims.push(...allocateSlots(free.get(kind) ?? 0, candidates));
    for (const [service, count] of claims) {
      if (this.stopped) return;
      const jobs = await this.shares.claim(service, count, this.link.list());
      this.remember(jobs);
      if (jobs.length) this.options.announceChanges?.('progress');
      failpoint('scheduler-after-claim');
      // Armed only in tests: holds claimed jobs unsent, so a stop can be caught at that moment.
      if (isArmed('scheduler-before-dispatch')) await delayPoint('scheduler-before-dispatch');
      for (const job of jobs) await this.dispatchOne(job);
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

  private async dispatchOne(job: Job): Promise<void> {
    // A stopping scheduler sends nothing more: what it claimed and did not send is released.
    if (this.stopped) return;
    const service = await this.revisions.forJob(job);
    if (!service) return this.fail(job, 'ERROR', `service '${job.service}' no longer exists`);
    const selection = await selectRunner(service, job);
    if (selection.kind !== 'runner') {
      return this.fail(job, selection.kind === 'rejected' ? 'REJECTED' : 'ERROR', selection.reason);
    }
    const runner = selection.runner;
    const kind = runnerKind(runner.type);
    if (!kind) return this.fail(job, 'ERROR', `runner type '${runner.type}' is not supported`);
    // Paused (by an administrator) after the claim, or on the runner the selector chose: it waits.
    if (this.controls.holds(service.id, kind)) return void (await this.handBack(job));
    const usual = defaultRunner(service)?.id;
    if (runner.id !== usual && this.breakers.capacity(service.id, runner.id, Date.now(), 1) === 0) {
      // The selector chose a runner whose breaker is open: the job waits (no attempt is lost).
      await this.handBack(job);
      return;
    }
    let command;
    try {
      command = buildCommand(service, runner, job.inputs, this.options.host);
    } catch (error) {
      return this.fail(job, 'ERROR', `cannot build the command: ${(error as Error).message}`);
    }
    this.log.debug({ jobId: job.id, ...commandRecord(command.argv, command.env) }, 'job command');
    const agent = pickAgent(this.controls.open(this.link.list()), kind);
    if (!agent) {
      await this.handBack(job);
      return;
    }
    const timeoutSeconds = service.scheduling.timeoutSeconds ?? this.options.timeoutSeconds;
    const spec: DispatchSpec = {
      jobId: job.id,
      fencingToken: job.fencingToken,
      service: service.id,
      runner: runner.id,
      runnerType: runner.type,
      runnerParameters: runner.parameters,
      argv: command.argv,
      env: command.env,
      cwd: path.join(this.options.jobsDirectory, job.workDir),
      links: command.links,
      timeoutMs: timeoutSeconds ? timeoutSeconds * 1000 : null,
    };
    if (this.stopped) return;
    let sent: Promise<void>;
    try {
      sent = this.link.dispatch(agent, spec);
    } catch (error) {
      // Deterministic: the same job would be too large on every attempt and every agent.
      if (error instanceof MessageTooLargeError)
        return this.fail(
          job,
          'ERROR',
          `the job's command and environment are too large: ${error.message}`,
        );
      throw error;
    }
    this.claims.sent(job.id, job.fencingToken);
    this.options.metrics?.dispatched(spec);
    // Armed only in crash tests: dies once the message has had a moment to leave the process.
    if (isArmed('scheduler-after-dispatch'))
      void sent.then(() => setTimeout(() => failpoint('scheduler-after-dispatch'), 20));
  }

  /** PENDING again with no attempt lost: the claim never reached an agent. */
  private async handBack(job: Pick<Job, 'id' | 'fencingToken'>): Promise<Job | null> {
    const done = await this.writes.transition({
      id: job.id,
      to: 'PENDING',
      fencingToken: job.fencingToken,
    });
    this.claims.settled(job.id, job.fencingToken);
    return done;
  }

  private async fail(job: Job, state: 'ERROR' | 'REJECTED', reason: string): Promise<void> {
    this.log.warn({ jobId: job.id, state, reason }, 'job not dispatched');
    await this.writes.transition({
      id: job.id,
      to: state,
      fencingToken: job.fencingToken,
      patch: { reason },
    });
    this.claims.settled(job.id, job.fencingToken);
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
      (awaitingAck(this.link.list(), this.claims) > 0 || this.reports.pending > 0)
    ) {
      this.link.sweep(Date.now(), { noticeLost: false });
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
      plan.release.map((c) => this.handBack({ id: c.jobId, fencingToken: c.fencingToken })),
    );
    const released = plan.release
      .filter((_, i) => outcomes[i] !== null)
      .map((claim) => claim.jobId);
    const refused = plan.release.filter((_, i) => outcomes[i] === null).map((claim) => claim.jobId);
    return {
      released,
      refused,
      inDoubt: plan.inDoubt.map((claim) => claim.jobId),
      withAgents: jobsWithAgents(this.link.list()),
    };
  }
}
