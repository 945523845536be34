import { isFinished, type JobState } from '../jobs';
import type { LostJobGrace } from '../config/settings';
import type { Logger } from '../lifecycle/logger';
import type { ServiceCatalog } from '../services/service-catalog';
import type { JobStore } from '../store/job-store';
import { PROTOCOL_VERSION, type AgentMessage } from '../transport/protocol';
import { releaseAttempt, type AgentInfo, type HeldJob } from './agent-link';
import type { AgentIO } from './agent-io';
import type { RunnerBreakers } from './runner-breakers';
import { runnerKind } from '../jobs/runner-kind';
import type { WriteBatcher } from './write-batcher';

type Hello = Extract<AgentMessage, { type: 'hello' }>;

export interface RecoveryOptions {
  owner: string;
  retries: number;
  maxRetries: number;
  lostJobGraceMs: LostJobGrace;
}

/** What recovery works with; the agents and test runs as narrow functions (fast tests fake them). */
export interface RecoveryContext {
  store: Pick<JobStore, 'listActive' | 'getJob'>;
  catalog: Pick<ServiceCatalog, 'get'>;
  writes: Pick<WriteBatcher, 'transition'>;
  breakers: Pick<RunnerBreakers, 'failure'>;
  options: RecoveryOptions;
  log: Logger;
  /** Asks for a tick soon (a retry is due, adopted jobs free or hold slots). */
  wake: () => void;
  agents: () => Pick<AgentIO, 'list' | 'send'>;
  /** Whether an id an agent names is one of this scheduler's health-test runs (never stored). */
  isTestRun: (jobId: string) => boolean;
}

const ACTIVE_SCAN_LIMIT = 10_000;

/** An attempt no connected agent holds, waiting for its agent until `since + graceMs`. */
interface Orphan {
  fencingToken: number;
  since: number;
  graceMs: number;
  /** Its agent said goodbye and its engine keeps running it: the job keeps its state meanwhile. */
  away: boolean;
  /** Who held it, for the reason a write-off gives. */
  agent: string | null;
}

/** `21600000` → `6 h`: a grace in a reason users read. */
export function formatDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 100) / 10} s`;
}

const CLUSTER_NAMES: Record<string, string> = { slurm: 'SLURM', gridengine: 'Grid Engine' };

/**
 * Makes sure no job is a dead end: adopts what returning agents still run, marks jobs of lost agents
 * UNKNOWN, retries attempts lost to infrastructure (never a tool's own failure) up to the service's
 * retries, re-sends cancels until they land, and releases claims that never reached an agent.
 */
export class JobRecovery {
  private readonly orphans = new Map<string, Orphan>();
  /** Each joining agent's adoption of the jobs its hello listed; its reports wait for it. */
  private readonly adoptions = new WeakMap<AgentInfo, Promise<void>>();
  private notBefore = 0;
  private readonly store: RecoveryContext['store'];
  private readonly catalog: RecoveryContext['catalog'];
  private readonly writes: RecoveryContext['writes'];
  private readonly breakers: RecoveryContext['breakers'];
  private readonly options: RecoveryOptions;
  private readonly log: Logger;
  private readonly wake: () => void;

  constructor(private readonly ctx: RecoveryContext) {
    this.store = ctx.store;
    this.catalog = ctx.catalog;
    this.writes = ctx.writes;
    this.breakers = ctx.breakers;
    this.options = ctx.options;
    this.log = ctx.log;
    this.wake = ctx.wake;
  }

  private get link(): Pick<AgentIO, 'list' | 'send'> {
    return this.ctx.agents();
  }

  /** Nothing is written off before agents had their chance to report after a restart. */
  startAfter(at: number): void {
    this.notBefore = at;
  }

  private holder(jobId: string, fencingToken: number): AgentInfo | undefined {
    return this.link.list().find((a) => a.jobs.get(jobId)?.fencingToken === fencingToken);
  }

  /** The grace of an agent kind; a kind without one waits the longest of all (never too short). */
  private graceOf(kinds: (string | undefined)[]): number {
    const grace = this.options.lostJobGraceMs as Readonly<Record<string, number>>;
    const known = kinds.map((k) => (k !== undefined ? grace[k] : undefined));
    if (known.length === 0 || known.some((g) => g === undefined))
      return Math.max(...Object.values(grace));
    return Math.max(...(known as number[]));
  }

  /** By the job's runner (or any runner of its service before one is recorded). */
  private graceForJob(job: { service: string; runner: string | null }): number {
    const runners = this.catalog.get(job.service)?.runners ?? [];
    const chosen = runners.filter((r) => job.runner === null || r.id === job.runner);
    return this.graceOf(chosen.map((r) => runnerKind(r.type)));
  }

  private orphanOf(jobId: string, fencingToken: number): Orphan | undefined {
    const orphan = this.orphans.get(jobId);
    if (orphan?.fencingToken === fencingToken) return orphan;
    this.orphans.delete(jobId);
    return undefined;
  }

  async driveActive(now = Date.now()): Promise<void> {
    const active = await this.store.listActive(ACTIVE_SCAN_LIMIT);
    const seen = new Set<string>();
    for (const job of active) {
      seen.add(job.id);
      const agent = this.holder(job.id, job.fencingToken);
      if (agent) {
        this.orphans.delete(job.id);
        if (job.state === 'CANCELLING') this.sendCancel(agent, job.id, job.fencingToken);
        continue;
      }
      let orphan = this.orphanOf(job.id, job.fencingToken);
      const since = Math.max(now, this.notBefore);
      if (job.state === 'ACCEPTED') {
        if (job.leaseOwner === this.options.owner && (job.leaseExpiresAt?.getTime() ?? 0) > now)
          continue;
        // Claimed by a scheduler that stopped: it may have reached an agent that has not reported
        // yet. UNKNOWN waits for that agent; after the grace time the attempt is written off.
        await this.writes.transition({
          id: job.id,
          to: 'UNKNOWN',
          fencingToken: job.fencingToken,
          patch: { reason: 'claimed by a scheduler that stopped' },
        });
        const graceMs = this.graceForJob(job);
        this.orphans.set(job.id, {
          fencingToken: job.fencingToken,
          since,
          graceMs,
          away: false,
          agent: null,
        });
        continue;
      }
      if (!orphan) {
        orphan = {
          fencingToken: job.fencingToken,
          since,
          graceMs: this.graceForJob(job),
          away: false,
          agent: null,
        };
        this.orphans.set(job.id, orphan);
      }
      // A cancel does not wait hours for a cluster agent: the job ends now (INTERRUPTED), and the
      // returning agent is told to cancel the attempt in its engine (see adopt).
      const graceMs =
        job.state === 'CANCELLING'
          ? Math.min(orphan.graceMs, this.options.lostJobGraceMs.local)
          : orphan.graceMs;
      if (now - orphan.since >= graceMs) {
        this.orphans.delete(job.id);
        const why =
          job.state === 'CANCELLING'
            ? 'cancelled; no agent holds it'
            : `its agent${orphan.agent ? ` ${orphan.agent}` : ''} did not return within ${formatDuration(orphan.graceMs)}`;
        await this.retryOrGiveUp(job.id, job.fencingToken, why, 'INTERRUPTED');
      } else if ((job.state === 'QUEUED' || job.state === 'RUNNING') && !orphan.away) {
        await this.writes.transition({
          id: job.id,
          to: 'UNKNOWN',
          fencingToken: job.fencingToken,
          patch: { reason: 'no agent reports this job' },
        });
      }
    }
    for (const id of this.orphans.keys()) if (!seen.has(id)) this.orphans.delete(id);
    this.forgetFinished(new Map(active.map((j) => [j.id, j.fencingToken])));
  }

  /** A slot held for a job the store has finished (a report raced an adoption) is freed. */
  private forgetFinished(activeTokens: Map<string, number>): void {
    for (const agent of this.link.list()) {
      for (const [jobId, held] of agent.jobs) {
        if (held.purpose === 'service-test') continue; // test runs never enter the store
        if (agent.unacked.has(jobId) || activeTokens.get(jobId) === held.fencingToken) continue;
        agent.jobs.delete(jobId);
      }
    }
  }

  private retriesFor(serviceId: string): number {
    const own = this.catalog.get(serviceId)?.scheduling.retries;
    return Math.min(this.options.maxRetries, own ?? this.options.retries);
  }

  /**
   * An attempt was lost to infrastructure: PENDING again (a new claim, a new token) while retries
   * remain; otherwise finished with `finalState` (ERROR when not given). A cancelled job just ends.
   */
  async retryOrGiveUp(
    jobId: string,
    fencingToken: number,
    reason: string,
    finalState: JobState = 'ERROR',
  ): Promise<void> {
    const job = await this.store.getJob(jobId);
    if (!job || job.fencingToken !== fencingToken || isFinished(job.state)) return;
    const cancelled = job.state === 'CANCELLING' || job.cancelRequested;
    const retry = !cancelled && job.lostAttempts < this.retriesFor(job.service);
    const to: JobState = cancelled ? 'INTERRUPTED' : retry ? 'PENDING' : finalState;
    const note = cancelled
      ? reason
      : retry
        ? `${reason}; retrying (lost attempt ${job.lostAttempts + 1})`
        : `${reason}; no retries left`;
    const done = await this.writes.transition({
      id: jobId,
      to,
      fencingToken,
      patch: { reason: note, lost: !cancelled },
    });
    if (done) this.log.warn({ jobId, attempt: job.attempt, to, reason: note }, 'attempt lost');
    if (retry) this.wake();
  }

  /** The agent runs something the store has finished, cancelled or moved on from: stop it. */
  async cancelIfGone(agent: AgentInfo, jobId: string, fencingToken: number): Promise<void> {
    const job = await this.store.getJob(jobId);
    if (!job || job.fencingToken !== fencingToken || isFinished(job.state)) {
      // Only this attempt is forgotten: the agent may hold a newer one of the same job.
      releaseAttempt(agent, jobId, fencingToken);
      this.sendCancel(agent, jobId, fencingToken);
    } else if (job.state === 'CANCELLING') {
      this.sendCancel(agent, jobId, fencingToken);
    }
  }

  private sendCancel(agent: AgentInfo, jobId: string, fencingToken: number): void {
    this.link.send(agent, { v: PROTOCOL_VERSION, type: 'cancel', jobId, fencingToken });
  }

  /** A (re)joining agent lists what it holds: adopt what the store agrees with, stop the rest. */
  onHello = (agent: AgentInfo, hello: Hello, previous: AgentInfo | undefined): void => {
    if (previous?.bootId === hello.bootId) {
      for (const [jobId, held] of previous.jobs)
        if (agent.unacked.has(jobId)) agent.jobs.set(jobId, held);
    }
    const adoption = this.adopt(agent, hello).catch((error) =>
      this.log.error({ err: error, agent: agent.name }, 'cannot adopt the jobs of an agent'),
    );
    this.adoptions.set(agent, adoption);
  };

  /** Resolves once the jobs listed in the agent's latest hello are adopted (or refused). */
  adopted(agent: AgentInfo): Promise<void> {
    return this.adoptions.get(agent) ?? Promise.resolve();
  }

  private async adopt(agent: AgentInfo, hello: Hello): Promise<void> {
    for (const running of hello.running) {
      // A health-test run this scheduler still tracks: its reports find it by its record
      // (src/scheduler/test-runs.ts), on whichever connection of its agent they arrive.
      if (this.ctx.isTestRun(running.jobId)) continue;
      const job = await this.store.getJob(running.jobId);
      if (job && job.fencingToken === running.fencingToken && isFinished(job.state)) {
        // Finished while its agent was away (cancelled, or written off): if the attempt still
        // runs in an engine, it must stop. An attempt that ended already ignores the cancel.
        this.sendCancel(agent, running.jobId, running.fencingToken);
        continue;
      }
      // Another attempt is current, or this one was written off (PENDING: a retry was decided,
      // so a new attempt will run): exactly one attempt may run, so this one is stopped.
      if (!job || job.fencingToken !== running.fencingToken || job.state === 'PENDING') {
        this.sendCancel(agent, running.jobId, running.fencingToken);
        continue;
      }
      agent.jobs.set(job.id, {
        service: job.service,
        runner: job.runner ?? 'default',
        fencingToken: job.fencingToken,
        purpose: 'job',
      });
      if (job.state === 'CANCELLING') this.sendCancel(agent, job.id, job.fencingToken);
      else if (job.state === 'UNKNOWN' || job.state === 'ACCEPTED') {
        await this.writes.transition({
          id: job.id,
          to: running.externalId ? 'RUNNING' : 'QUEUED',
          fencingToken: job.fencingToken,
          patch: { externalId: running.externalId, reason: null },
        });
      }
    }
    if (hello.running.length)
      this.log.info({ agent: agent.name, jobs: hello.running.length }, 'adopted running jobs');
    this.wake();
  }

  /** What an agent's jobs wait for while it is away, for the reason users read. */
  private awayNote(agent: AgentInfo, graceMs: number): string {
    const engines = agent.kinds.filter((k) => k in CLUSTER_NAMES).map((k) => CLUSTER_NAMES[k]);
    const engine = engines.length ? `; the job may still run in ${engines.join(', ')}` : '';
    return `${engine}; waiting up to ${formatDuration(graceMs)} for the agent to return`;
  }

  /**
   * Starts the wait of each of the agent's attempts (health-test runs aside) for its return, and
   * gives them back for the caller's own bookkeeping.
   */
  private waitFor(
    agent: AgentInfo,
    since: number,
    graceMs: number,
    away: boolean,
  ): [string, HeldJob][] {
    const waiting = [...agent.jobs].filter(([, held]) => held.purpose === 'job');
    for (const [jobId, held] of waiting)
      this.orphans.set(jobId, {
        fencingToken: held.fencingToken,
        since,
        graceMs,
        away,
        agent: agent.name,
      });
    return waiting;
  }

  /**
   * Its jobs become UNKNOWN now; they are retried if the agent is not back within its kind's grace
   * time (a cluster engine keeps running them meanwhile: hours by default).
   */
  onAgentLost = (agent: AgentInfo): void => {
    const now = Date.now();
    const graceMs = this.graceOf(agent.kinds);
    const runners = new Set<string>();
    for (const [jobId, held] of this.waitFor(agent, now, graceMs, false)) {
      runners.add(`${held.service}\n${held.runner}`);
      void this.writes
        .transition({
          id: jobId,
          to: 'UNKNOWN',
          fencingToken: held.fencingToken,
          patch: { reason: `agent ${agent.name} lost${this.awayNote(agent, graceMs)}` },
        })
        .catch((error) => this.log.error({ err: error, jobId }, 'cannot mark a job UNKNOWN'));
    }
    for (const key of runners) {
      const [service, runner] = key.split('\n');
      this.breakers.failure(service, runner, `agent ${agent.name} lost`);
    }
    this.wake();
  };

  /**
   * The agent stopped on purpose. When its jobs go on (a cluster engine holds them), they keep
   * their state and wait for it like a lost agent's, without being declared lost meanwhile and
   * without counting against the runners' breakers; otherwise it is as if the agent were lost.
   */
  onGoodbye = (agent: AgentInfo, jobsContinue: boolean): void => {
    if (!jobsContinue) return this.onAgentLost(agent);
    const now = Date.now();
    const graceMs = this.graceOf(agent.kinds);
    this.waitFor(agent, now, graceMs, true);
    if (agent.jobs.size)
      this.log.info(
        { agent: agent.name, jobs: agent.jobs.size, graceMs },
        'agent stopped; its jobs go on without it and wait for it to return',
      );
  };
}
