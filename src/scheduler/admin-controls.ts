import type { Logger } from '../lifecycle/logger';
import type { AgentRecord } from '../store/admin-records';
import type { JobStore } from '../store/job-store';
import type { AgentInfo } from './agent-link';

/** A published agent names at most this many of its jobs (a cluster agent may hold thousands). */
export const MAX_PUBLISHED_JOB_IDS = 1000;
/** Agents not published for this long (gone for good) are dropped from the list. */
const FORGET_AGENTS_AFTER_MS = 24 * 60 * 60 * 1000;
const FORGET_EVERY_MS = 60 * 60 * 1000;

/** What the scheduler tells the admin API about one agent. */
export function agentRecord(agent: AgentInfo, nowMs: number): AgentRecord {
  const jobIds = [...agent.jobs].filter(([, held]) => held.purpose === 'job').map(([id]) => id);
  return {
    name: agent.name,
    kinds: [...agent.kinds],
    slots: agent.slots,
    busy: agent.jobs.size,
    jobIds: jobIds.slice(0, MAX_PUBLISHED_JOB_IDS),
    lastHeardAt: new Date(agent.lastHeardAt),
    publishedAt: new Date(nowMs),
  };
}

/**
 * An administrator's pauses and drains as the scheduler obeys them, read from the store at most
 * every `refreshMs`; at the same pace it publishes its agents there. The store is the truth: a
 * failed read keeps the last known controls (a store outage never resumes a paused service).
 */
export class AdminControls {
  private pausedServices = new Set<string>();
  private pausedKinds = new Set<string>();
  private draining = new Set<string>();
  /** Drained agents already logged as such, so the log says it once per drain. */
  private announced = new Set<string>();
  private lastRefreshAt = -Infinity;
  private lastForgetAt = -Infinity;

  constructor(
    private readonly store: JobStore,
    private readonly refreshMs: number,
    private readonly log: Logger,
  ) {}

  /**
   * Reads the pauses and drains. Called before every claim of due jobs, so a job submitted after
   * a pause or a drain was recorded is never dispatched against it.
   */
  async read(): Promise<void> {
    try {
      const [pauses, drains] = await Promise.all([
        this.store.admin.listPauses(),
        this.store.admin.listDrains(),
      ]);
      this.pausedServices = new Set(pauses.filter((p) => p.kind === 'service').map((p) => p.name));
      this.pausedKinds = new Set(pauses.filter((p) => p.kind === 'runner').map((p) => p.name));
      this.draining = new Set(drains.map((d) => d.agent));
    } catch (error) {
      this.log.warn({ err: error }, 'cannot read the admin controls; keeping the last ones');
    }
  }

  /** Reads the controls and publishes the agents, unless done less than `refreshMs` ago. */
  async refresh(agents: AgentInfo[], nowMs = Date.now()): Promise<void> {
    if (nowMs - this.lastRefreshAt < this.refreshMs) return;
    this.lastRefreshAt = nowMs;
    await this.read();
    try {
      const records = agents.map((agent) => agentRecord(agent, nowMs));
      await this.store.admin.saveAgents(records);
      this.announceDrained(records);
      if (nowMs - this.lastForgetAt >= FORGET_EVERY_MS) {
        this.lastForgetAt = nowMs;
        await this.store.admin.forgetAgentsBefore(new Date(nowMs - FORGET_AGENTS_AFTER_MS));
      }
    } catch (error) {
      this.log.warn({ err: error }, 'cannot publish the agents');
    }
  }

  private announceDrained(records: AgentRecord[]): void {
    for (const name of this.announced) if (!this.draining.has(name)) this.announced.delete(name);
    for (const record of records) {
      if (!this.draining.has(record.name) || this.announced.has(record.name)) continue;
      if (record.jobIds.length > 0) continue;
      this.announced.add(record.name);
      this.log.info({ agent: record.name }, 'agent drained: it runs no job and takes none');
    }
  }

  /** The agents that may be given new work: all but those being drained. */
  open(agents: AgentInfo[]): AgentInfo[] {
    return this.draining.size ? agents.filter((a) => !this.draining.has(a.name)) : agents;
  }

  /** Whether jobs of this service, run by this runner kind, must wait. */
  holds(service: string, kind: string | undefined): boolean {
    return this.pausedServices.has(service) || (kind !== undefined && this.pausedKinds.has(kind));
  }
}
