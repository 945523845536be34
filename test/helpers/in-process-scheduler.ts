import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { newJobId, jobDirectoryRelative, type Job, type JobInputs } from '../../src/jobs';
import type { AgentIO } from '../../src/scheduler/agent-io';
import type { AgentInfo, AgentLinkEvents } from '../../src/scheduler/agent-link';
import { Scheduler, type SchedulerOptions } from '../../src/scheduler/scheduler';
import { ServiceCatalog } from '../../src/services/service-catalog';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';
import {
  PROTOCOL_VERSION,
  type AgentMessage,
  type DispatchSpec,
  type RunningJob,
  type SchedulerMessage,
} from '../../src/transport/protocol';

export const silentLog = pino({ level: 'silent' });

/** A message the scheduler sent, with the name of the agent it went to. */
export interface Sent {
  agent: string;
  message: SchedulerMessage;
}

type Report<T extends AgentMessage['type']> = Omit<
  Extract<AgentMessage, { type: T }>,
  'v' | 'type'
>;

/**
 * The scheduler's agents as plain functions: what it sends is recorded, and a test speaks for an
 * agent by calling the handlers the scheduler gave at its construction (as AgentLink would).
 */
export class FakeAgents implements AgentIO {
  readonly agents: AgentInfo[] = [];
  readonly sent: Sent[] = [];

  constructor(readonly events: AgentLinkEvents) {}

  list(): AgentInfo[] {
    return this.agents;
  }

  async send(agent: AgentInfo, message: SchedulerMessage): Promise<void> {
    this.sent.push({ agent: agent.name, message });
  }

  /** As AgentLink: the agent is charged with the attempt, which waits for its acknowledgement. */
  async dispatch(agent: AgentInfo, spec: DispatchSpec): Promise<void> {
    agent.jobs.set(spec.jobId, {
      service: spec.service,
      runner: spec.runner,
      fencingToken: spec.fencingToken,
      purpose: 'job',
    });
    agent.unacked.set(spec.jobId, { spec, sentAt: Date.now() });
    this.sent.push({
      agent: agent.name,
      message: { v: PROTOCOL_VERSION, type: 'dispatch', job: spec },
    });
  }

  sweep(): void {}

  /** An agent joins (or returns, listing what it still runs). */
  hello(name: string, kinds: string[], slots: number, running: RunningJob[] = []): AgentInfo {
    const previous = this.agents.findIndex((a) => a.name === name);
    const replaced = previous >= 0 ? this.agents.splice(previous, 1)[0] : undefined;
    const agent: AgentInfo = {
      routingId: Buffer.from(name),
      name,
      bootId: `${name}-boot`,
      kinds,
      slots,
      lastHeardAt: Date.now(),
      jobs: new Map(),
      unacked: new Map(),
    };
    this.agents.push(agent);
    const hello = {
      v: PROTOCOL_VERSION,
      type: 'hello',
      agent: name,
      bootId: agent.bootId,
      kinds,
      slots,
      running,
    } as const;
    this.events.onHello(agent, { ...hello, running: [...running] }, replaced);
    return agent;
  }

  /** The agent is silent for three heartbeats: AgentLink forgets it and says so. */
  lose(agent: AgentInfo): void {
    this.agents.splice(this.agents.indexOf(agent), 1);
    this.events.onAgentLost(agent);
  }

  ack(agent: AgentInfo, report: Report<'dispatch-ack'>): void {
    this.events.onMessage(agent, { v: PROTOCOL_VERSION, type: 'dispatch-ack', ...report });
  }

  event(agent: AgentInfo, report: Report<'event'>): void {
    this.events.onMessage(agent, { v: PROTOCOL_VERSION, type: 'event', ...report });
  }

  dispatched(): DispatchSpec[] {
    return this.sent.flatMap(({ message }) => (message.type === 'dispatch' ? [message.job] : []));
  }

  sentOf<T extends SchedulerMessage['type']>(type: T): Extract<SchedulerMessage, { type: T }>[] {
    return this.sent
      .map(({ message }) => message)
      .filter((m): m is Extract<SchedulerMessage, { type: T }> => m.type === type);
  }
}

/** A project directory of service files, a real SQLite store in memory, and removal after. */
export class InProcessHome {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'damson-in-process-'));
  readonly store = new SqliteJobStore(':memory:');
  readonly catalog: ServiceCatalog;

  constructor(services: Record<string, string>) {
    const servicesDir = path.join(this.dir, 'services');
    mkdirSync(servicesDir);
    for (const [id, yaml] of Object.entries(services))
      writeFileSync(path.join(servicesDir, `${id}.service.yaml`), yaml);
    this.catalog = new ServiceCatalog(servicesDir);
    const errors = this.catalog.reload();
    if (errors.length) throw new Error(errors.map((e) => e.message).join('; '));
  }

  get jobsDirectory(): string {
    return path.join(this.dir, 'jobs');
  }

  options(overrides: Partial<SchedulerOptions> = {}): SchedulerOptions {
    return {
      owner: 'in-process',
      leaseMs: 60_000,
      pollIntervalMs: 10,
      heartbeatIntervalMs: 20,
      jobsDirectory: this.jobsDirectory,
      host: { processEnv: {}, home: this.dir },
      timeoutSeconds: null,
      retries: 1,
      maxRetries: 3,
      lostJobGraceMs: { local: 60_000, slurm: 60_000, gridengine: 60_000 },
      breaker: { failures: 1, windowMs: 60_000, backoffMs: 60_000, maxBackoffMs: 60_000 },
      ...overrides,
    };
  }

  /** A scheduler built in one step on this home, its agents fake. */
  scheduler(overrides: Partial<SchedulerOptions> = {}): Scheduler<FakeAgents> {
    return new Scheduler({
      store: this.store,
      catalog: this.catalog,
      options: this.options(overrides),
      log: silentLog,
      connectAgents: (events) => new FakeAgents(events),
    });
  }

  submit(service: string, values: JobInputs = {}, id = newJobId()): Promise<Job> {
    return this.store.insertJob({
      id,
      service,
      inputs: values,
      parameters: values,
      workDir: jobDirectoryRelative(id),
    });
  }

  async close(): Promise<void> {
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
