import path from 'node:path';
import { isFinished, type Job } from '../jobs';
import type { Logger } from '../lifecycle/logger';
import { buildCommand, type HostEnvironment } from '../services/command/build-command';
import type { ServiceCatalog } from '../services/service-catalog';
import { TestRuns } from '../services/health/test-runs';
import { ServiceRevisions } from '../services/service-revisions';
import type { JobStore } from '../store/job-store';
import type { AgentMessage, DispatchSpec } from '../transport/protocol';
import type { AgentInfo, AgentLink } from './agent-link';
import { runnerKind } from './runner-kind';
import { selectRunner } from './select-runner';

export interface SchedulerOptions {
  owner: string;
  leaseMs: number;
  pollIntervalMs: number;
  heartbeatIntervalMs: number;
  jobsDirectory: string;
  host: HostEnvironment;
}

interface Pending {
  job: Job;
  spec: DispatchSpec;
  kind: string;
}

const CLAIM_BATCH = 256;

/**
 * Moves jobs through their states: claims PENDING jobs, picks a runner, builds the command, hands
 * it to an agent with free slots, and records what agents report. The store is the truth.
 */
export class Scheduler {
  private readonly backlog: Pending[] = [];
  private readonly orphanSince = new Map<string, number>();
  private tickTimer: NodeJS.Timeout | null = null;
  private ticking = false;
  private again = false;
  private stopped = false;
  private startedAt = Date.now();
  link!: AgentLink;
  private readonly revisions: ServiceRevisions;
  /** Service health tests share the agents with jobs but never touch the store. */
  readonly testRuns = new TestRuns<AgentInfo>(() => this.link);

  constructor(
    private readonly store: JobStore,
    catalog: ServiceCatalog,
    private readonly options: SchedulerOptions,
    private readonly log: Logger,
  ) {
    this.revisions = new ServiceRevisions(store, catalog);
  }

  attach(link: AgentLink): void {
    this.link = link;
  }

  /** Releases jobs a previous scheduler claimed but never handed to an agent. */
  async reconcile(): Promise<void> {
    this.startedAt = Date.now();
    const active = await this.store.listActive(100_000);
    let released = 0;
    for (const job of active) {
      if (job.state === 'ACCEPTED' && job.externalId === null) {
        if (await this.store.transition(job.id, 'PENDING', job.fencingToken)) released++;
      }
    }
    if (released) this.log.info({ released }, 'released jobs claimed before a restart');
  }

  /** Asks for a tick soon; calls while a tick runs coalesce into one more tick. */
  wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = setTimeout(() => void this.tick(), 0);
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    this.tickTimer = setTimeout(
      () => void this.tick(),
      this.again ? 0 : this.options.pollIntervalMs,
    );
    this.again = false;
  }

  private async tick(): Promise<void> {
    this.ticking = true;
    try {
      this.link.sweep();
      this.dispatchBacklog();
      await this.claim();
      await this.driveActive();
    } catch (error) {
      this.log.error({ err: error }, 'scheduler tick failed; retrying');
    } finally {
      this.ticking = false;
      this.scheduleNext();
    }
  }

  private freeSlots(kind?: string): number {
    return this.link
      .list()
      .filter((a) => kind === undefined || a.kinds.includes(kind))
      .reduce((sum, a) => sum + Math.max(0, a.slots - a.jobs.size), 0);
  }

  private async claim(): Promise<void> {
    const room = Math.min(CLAIM_BATCH, this.freeSlots() - this.backlog.length);
    if (room <= 0) return;
    const jobs = await this.store.claimPending(this.options.owner, this.options.leaseMs, room);
    for (const job of jobs) await this.prepare(job);
    this.dispatchBacklog();
  }

  private async prepare(job: Job): Promise<void> {
    const service = await this.revisions.forJob(job);
    if (!service)
      return void (await this.fail(job, 'ERROR', `service '${job.service}' no longer exists`));
    const selection = await selectRunner(service, job);
    if (selection.kind !== 'runner') {
      const state = selection.kind === 'rejected' ? 'REJECTED' : 'ERROR';
      return void (await this.fail(job, state, selection.reason));
    }
    const runner = selection.runner;
    const kind = runnerKind(runner.type);
    if (!kind)
      return void (await this.fail(job, 'ERROR', `runner type '${runner.type}' is not supported`));
    let command;
    try {
      command = buildCommand(service, runner, job.inputs, this.options.host);
    } catch (error) {
      return void (await this.fail(
        job,
        'ERROR',
        `cannot build the command: ${(error as Error).message}`,
      ));
    }
    const recorded = await this.store.transition(job.id, 'ACCEPTED', job.fencingToken, {
      runner: runner.id,
    });
    if (!recorded) return;
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
      timeoutMs: null,
    };
    this.backlog.push({ job: recorded, spec, kind });
  }

  private async fail(job: Job, state: 'ERROR' | 'REJECTED', reason: string): Promise<void> {
    this.log.warn({ jobId: job.id, state, reason }, 'job not dispatched');
    await this.store.transition(job.id, state, job.fencingToken, { reason });
  }

  private dispatchBacklog(): void {
    for (let i = 0; i < this.backlog.length;) {
      const entry = this.backlog[i];
      const agent = this.link
        .list()
        .filter((a) => a.kinds.includes(entry.kind) && a.jobs.size < a.slots)
        .sort((a, b) => a.jobs.size / a.slots - b.jobs.size / b.slots)[0];
      if (!agent) {
        i++;
        continue;
      }
      this.backlog.splice(i, 1);
      agent.jobs.add(entry.spec.jobId);
      this.link.send(agent, { v: 1, type: 'dispatch', job: entry.spec });
    }
  }

  private agentHolding(jobId: string): AgentInfo | undefined {
    return this.link.list().find((a) => a.jobs.has(jobId));
  }

  /** Sends cancels, and writes off jobs no agent has claimed to hold for three heartbeats. */
  private async driveActive(): Promise<void> {
    const now = Date.now();
    const grace = 3 * this.options.heartbeatIntervalMs;
    const active = await this.store.listActive(10_000);
    const seen = new Set<string>();
    for (const job of active) {
      if (job.state === 'ACCEPTED') continue;
      seen.add(job.id);
      const agent = this.agentHolding(job.id);
      if (agent) {
        this.orphanSince.delete(job.id);
        if (job.state === 'CANCELLING')
          this.link.send(agent, {
            v: 1,
            type: 'cancel',
            jobId: job.id,
            fencingToken: job.fencingToken,
          });
        continue;
      }
      const since = this.orphanSince.get(job.id) ?? Math.max(now, this.startedAt);
      this.orphanSince.set(job.id, since);
      if (now - since < grace) continue;
      const to = job.state === 'CANCELLING' ? 'INTERRUPTED' : 'INTERRUPTED';
      await this.store.transition(job.id, to, job.fencingToken, {
        reason: 'no agent runs this job any more',
      });
      this.orphanSince.delete(job.id);
    }
    for (const id of this.orphanSince.keys()) if (!seen.has(id)) this.orphanSince.delete(id);
  }

  /** Handles one message from an agent; every event is acknowledged, even a refused one. */
  onAgentMessage = (agent: AgentInfo, message: AgentMessage): void => {
    void this.handle(agent, message).catch((error) =>
      this.log.error({ err: error, type: message.type }, 'failed to record an agent message'),
    );
  };

  private async handle(agent: AgentInfo, message: AgentMessage): Promise<void> {
    if (this.testRuns.handle(agent, message)) return;
    if (message.type === 'dispatch-ack') {
      if (message.accepted) {
        const job = await this.store.transition(message.jobId, 'QUEUED', message.fencingToken, {
          leaseMs: this.options.leaseMs,
        });
        if (!job) await this.cancelIfGone(agent, message.jobId, message.fencingToken);
      } else {
        agent.jobs.delete(message.jobId);
        await this.store.transition(message.jobId, 'ERROR', message.fencingToken, {
          reason: message.reason ?? 'the agent refused the job',
        });
      }
      this.wake();
    } else if (message.type === 'event') {
      const { jobId, fencingToken, state } = message;
      const job = await this.store.transition(jobId, state, fencingToken, {
        externalId: message.externalId,
        exitCode: message.exitCode,
        reason: message.reason,
      });
      if (!job && !isFinished(state)) await this.cancelIfGone(agent, jobId, fencingToken);
      if (isFinished(state)) agent.jobs.delete(jobId);
      this.link.send(agent, { v: 1, type: 'event-ack', seq: message.seq });
      if (isFinished(state)) this.wake();
    }
  }

  /** The agent runs something the store has finished or moved on from: stop it. */
  private async cancelIfGone(agent: AgentInfo, jobId: string, fencingToken: number): Promise<void> {
    const job = await this.store.getJob(jobId);
    if (!job || isFinished(job.state) || job.fencingToken !== fencingToken) {
      this.link.send(agent, { v: 1, type: 'cancel', jobId, fencingToken });
    } else if (job.state === 'CANCELLING') {
      this.link.send(agent, { v: 1, type: 'cancel', jobId, fencingToken });
    }
  }

  onAgentLost = (): void => this.wake();

  start(): void {
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    this.testRuns.stop();
    if (this.tickTimer) clearTimeout(this.tickTimer);
  }
}
