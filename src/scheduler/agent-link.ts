import { Router } from 'zeromq';
import { DamsonError } from '../errors';
import type { Logger } from '../lifecycle/logger';
import type { ServerSecurity } from '../transport/link-security';
import {
  decodeAgentMessage,
  encode,
  encodeWithinLimit,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  type AgentMessage,
  type DispatchSpec,
  type SchedulerMessage,
} from '../transport/protocol';
import { SerialSender } from '../transport/serial-sender';

type Hello = Extract<AgentMessage, { type: 'hello' }>;

export interface HeldJob {
  service: string;
  runner: string;
  fencingToken: number;
  /**
   * A job's attempt (in the store), or a service health-test run (src/scheduler/test-runs.ts),
   * which holds a slot but never enters the store, counts as no job and is never adopted,
   * written off or published.
   */
  purpose: 'job' | 'service-test';
}

export interface AgentInfo {
  /** ZeroMQ routing id. */
  routingId: Buffer;
  name: string;
  bootId: string;
  kinds: string[];
  slots: number;
  lastHeardAt: number;
  /**
   * The attempt of each job this agent holds (dispatched or reported, not finished), by job id.
   * An entry names its attempt by fencing token: only a message about that very attempt may
   * change or remove it (see `releaseAttempt`), so a late report of an older attempt cannot.
   */
  jobs: Map<string, HeldJob>;
  /** Dispatches not yet acknowledged, resent every heartbeat interval until they are. */
  unacked: Map<string, { spec: DispatchSpec; sentAt: number }>;
}

/** Whether `agent` holds this attempt (job and fencing token) of the job. */
export function holdsAttempt(agent: AgentInfo, jobId: string, fencingToken: number): boolean {
  return agent.jobs.get(jobId)?.fencingToken === fencingToken;
}

/** Forgets the attempt if it is the one held; a newer attempt of the job is left alone. */
export function releaseAttempt(agent: AgentInfo, jobId: string, fencingToken: number): boolean {
  if (!holdsAttempt(agent, jobId, fencingToken)) return false;
  agent.jobs.delete(jobId);
  const sent = agent.unacked.get(jobId);
  if (sent?.spec.fencingToken === fencingToken) agent.unacked.delete(jobId);
  return true;
}

export interface AgentLinkEvents {
  onHello(agent: AgentInfo, hello: Hello, replaced: AgentInfo | undefined): void;
  onMessage(agent: AgentInfo, message: AgentMessage): void;
  onAgentLost(agent: AgentInfo): void;
  /** The agent stopped on purpose; `jobsContinue`: its jobs go on without it. */
  onGoodbye?(agent: AgentInfo, jobsContinue: boolean): void;
}

/** A refused name is logged at most this often (a refused agent says hello every heartbeat). */
const REFUSAL_LOG_INTERVAL_MS = 60_000;

/** The scheduler's side of the agent link: one ROUTER, agents tracked by routing id. */
export class AgentLink {
  private readonly socket: Router;
  private readonly sender: SerialSender;
  private readonly agents = new Map<string, AgentInfo>();
  private readonly refusalLoggedAt = new Map<string, number>();
  private stopped = false;
  private lastHeartbeatAt = 0;

  constructor(
    private readonly address: string,
    private readonly heartbeatIntervalMs: number,
    private readonly events: AgentLinkEvents,
    private readonly log: Logger,
    security: ServerSecurity = { kind: 'open' },
  ) {
    this.socket = new Router({
      maxMessageSize: MAX_MESSAGE_BYTES,
      mandatory: true,
      // A stuck agent's full queue must not hold up sends to the others: its messages are dropped
      // at once (heartbeats are ephemeral, dispatches are resent until acknowledged).
      sendTimeout: 0,
      linger: 500,
      ...(security.kind === 'curve'
        ? {
            curveServer: true,
            curveSecretKey: security.keys.secretKey,
            curvePublicKey: security.keys.publicKey,
            zapDomain: 'damson',
          }
        : {}),
    });
    this.sender = new SerialSender(this.socket, (error) =>
      this.log.debug({ err: error.message }, 'send to agent failed'),
    );
  }

  async start(): Promise<void> {
    try {
      await this.socket.bind(this.address);
    } catch (error) {
      // Another scheduler, or another account's process squatting the port: say which address.
      throw new DamsonError(
        'address_in_use',
        `cannot listen for agents at ${this.address} (local-queue.host): ${(error as Error).message}`,
      );
    }
    void this.receive();
  }

  list(): AgentInfo[] {
    return [...this.agents.values()];
  }

  /** A message over the link's limit is never sent: the agent's socket would drop the link. */
  send(agent: AgentInfo, message: SchedulerMessage): Promise<void> {
    let frame: Buffer;
    try {
      frame = encodeWithinLimit(message);
    } catch (error) {
      this.log.error({ agent: agent.name, err: (error as Error).message }, 'message not sent');
      return Promise.resolve();
    }
    return this.sender.send([agent.routingId, frame]);
  }

  /**
   * Throws MessageTooLargeError, before the agent is charged with the job, when the dispatch is
   * over the link's limit: the caller ends the job instead of sending it.
   */
  dispatch(agent: AgentInfo, spec: DispatchSpec): Promise<void> {
    const message: SchedulerMessage = { v: PROTOCOL_VERSION, type: 'dispatch', job: spec };
    const frame = encodeWithinLimit(message);
    agent.jobs.set(spec.jobId, {
      service: spec.service,
      runner: spec.runner,
      fencingToken: spec.fencingToken,
      purpose: 'job',
    });
    agent.unacked.set(spec.jobId, { spec, sentAt: Date.now() });
    return this.sender.send([agent.routingId, frame]);
  }

  /**
   * Heartbeats out, dispatches resent, and agents silent for three intervals declared lost, unless
   * `noticeLost` is false: a stopping scheduler writes nothing off (its successor will decide).
   */
  sweep(now = Date.now(), { noticeLost = true }: { noticeLost?: boolean } = {}): void {
    const beat = now - this.lastHeartbeatAt >= this.heartbeatIntervalMs;
    if (beat) this.lastHeartbeatAt = now;
    for (const [key, agent] of this.agents) {
      if (noticeLost && now - agent.lastHeardAt > 3 * this.heartbeatIntervalMs) {
        this.agents.delete(key);
        this.log.warn(
          { agent: agent.name, jobs: agent.jobs.size },
          'agent lost (silent for three heartbeats)',
        );
        this.events.onAgentLost(agent);
        continue;
      }
      if (beat) this.send(agent, { v: PROTOCOL_VERSION, type: 'heartbeat' });
      for (const entry of agent.unacked.values()) {
        if (now - entry.sentAt >= this.heartbeatIntervalMs) {
          entry.sentAt = now;
          this.send(agent, { v: PROTOCOL_VERSION, type: 'dispatch', job: entry.spec });
        }
      }
    }
  }

  private async receive(): Promise<void> {
    try {
      for await (const [routingId, frame] of this.socket) {
        this.handleFrame(routingId, frame);
      }
    } catch (error) {
      if (!this.stopped) this.log.error({ err: error }, 'agent link failed');
    }
  }

  private handleFrame(routingId: Buffer, frame: Buffer | undefined): void {
    let message: AgentMessage;
    try {
      message = decodeAgentMessage(frame ?? Buffer.alloc(0));
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'dropped a malformed message from an agent');
      return;
    }
    const key = routingId.toString('hex');
    if (message.type === 'hello') {
      this.join(key, routingId, message);
      return;
    }
    const agent = this.agents.get(key);
    if (agent && message.type === 'goodbye') {
      this.agents.delete(key);
      this.log.info(
        { agent: agent.name, jobs: agent.jobs.size, jobsContinue: message.jobsContinue },
        'agent stopped (said goodbye)',
      );
      this.events.onGoodbye?.(agent, message.jobsContinue);
      return;
    }
    if (!agent) {
      if (message.type === 'goodbye') return;
      // An agent we do not know (we restarted): ask it to introduce itself.
      this.sender.send([routingId, encode({ v: PROTOCOL_VERSION, type: 'introduce' })]);
      return;
    }
    agent.lastHeardAt = Date.now();
    this.events.onMessage(agent, message);
  }

  private join(key: string, routingId: Buffer, hello: Hello): void {
    // The same agent under a new connection or a new boot replaces its earlier entry.
    const replaced = [...this.agents.entries()].find(
      ([k, a]) => a.name === hello.agent && k !== key,
    );
    if (replaced && this.isDuplicate(replaced[1], hello)) {
      this.refuse(routingId, hello, replaced[1]);
      return;
    }
    if (replaced) this.agents.delete(replaced[0]);
    const previous = this.agents.get(key);
    const agent: AgentInfo = {
      routingId,
      name: hello.agent,
      bootId: hello.bootId,
      kinds: hello.kinds,
      slots: hello.slots,
      lastHeardAt: Date.now(),
      jobs: new Map(),
      unacked: previous?.bootId === hello.bootId ? previous.unacked : new Map(),
    };
    this.agents.set(key, agent);
    this.log.info(
      { agent: agent.name, boot: agent.bootId, kinds: agent.kinds, slots: agent.slots },
      'agent joined',
    );
    this.events.onHello(agent, hello, replaced?.[1] ?? previous);
    this.send(agent, { v: PROTOCOL_VERSION, type: 'welcome' });
  }

  /**
   * Another process under a name that is taken: a live agent (heard within three heartbeats) of
   * another boot. A restarted agent is refused only until its dead predecessor is declared lost.
   */
  private isDuplicate(current: AgentInfo, hello: Hello): boolean {
    return (
      current.bootId !== hello.bootId &&
      Date.now() - current.lastHeardAt <= 3 * this.heartbeatIntervalMs
    );
  }

  private refuse(routingId: Buffer, hello: Hello, current: AgentInfo): void {
    const reason =
      `another agent named '${hello.agent}' is connected (boot ${current.bootId}); ` +
      'each agent needs its own name (--name): two agents under one name would share a journal';
    const now = Date.now();
    if (now - (this.refusalLoggedAt.get(hello.agent) ?? 0) >= REFUSAL_LOG_INTERVAL_MS) {
      this.refusalLoggedAt.set(hello.agent, now);
      this.log.error(
        { agent: hello.agent, boot: hello.bootId, connectedBoot: current.bootId },
        'refused an agent: its name is taken by a live agent',
      );
    }
    this.sender.send([routingId, encode({ v: PROTOCOL_VERSION, type: 'refused', reason })]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.sender.drain(this.heartbeatIntervalMs);
    this.sender.close();
    this.socket.close();
  }
}
