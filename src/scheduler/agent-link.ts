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
}

export interface AgentInfo {
  /** ZeroMQ routing id. */
  route: Buffer;
  name: string;
  bootId: string;
  kinds: string[];
  slots: number;
  lastHeardAt: number;
  /** Jobs this agent holds (dispatched or reported, not finished), by id. */
  jobs: Map<string, HeldJob>;
  /** Dispatches not yet acknowledged, resent every heartbeat interval until they are. */
  unacked: Map<string, { spec: DispatchSpec; sentAt: number }>;
}

export interface AgentLinkEvents {
  onHello(agent: AgentInfo, hello: Hello, replaced: AgentInfo | undefined): void;
  onMessage(agent: AgentInfo, message: AgentMessage): void;
  onAgentLost(agent: AgentInfo): void;
}

/** The scheduler's side of the agent link: one ROUTER, agents tracked by routing id. */
export class AgentLink {
  private readonly socket: Router;
  private readonly sender: SerialSender;
  private readonly agents = new Map<string, AgentInfo>();
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
    return this.sender.send([agent.route, frame]);
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
    });
    agent.unacked.set(spec.jobId, { spec, sentAt: Date.now() });
    return this.sender.send([agent.route, frame]);
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
      for await (const [route, frame] of this.socket) {
        this.handleFrame(route, frame);
      }
    } catch (error) {
      if (!this.stopped) this.log.error({ err: error }, 'agent link failed');
    }
  }

  private handleFrame(route: Buffer, frame: Buffer | undefined): void {
    let message: AgentMessage;
    try {
      message = decodeAgentMessage(frame ?? Buffer.alloc(0));
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'dropped a malformed message from an agent');
      return;
    }
    const key = route.toString('hex');
    if (message.type === 'hello') {
      this.join(key, route, message);
      return;
    }
    const agent = this.agents.get(key);
    if (!agent) {
      // An agent we do not know (we restarted): ask it to introduce itself.
      this.sender.send([route, encode({ v: PROTOCOL_VERSION, type: 'introduce' })]);
      return;
    }
    agent.lastHeardAt = Date.now();
    this.events.onMessage(agent, message);
  }

  private join(key: string, route: Buffer, hello: Hello): void {
    // The same agent under a new connection or a new boot replaces its earlier entry.
    const replaced = [...this.agents.entries()].find(
      ([k, a]) => a.name === hello.agent && k !== key,
    );
    if (replaced) this.agents.delete(replaced[0]);
    const previous = this.agents.get(key);
    const agent: AgentInfo = {
      route,
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

  async stop(): Promise<void> {
    this.stopped = true;
    await this.sender.drain(this.heartbeatIntervalMs);
    this.sender.close();
    this.socket.close();
  }
}
