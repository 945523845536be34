import { Router } from 'zeromq';
import type { Logger } from '../lifecycle/logger';
import {
  decodeAgentMessage,
  encode,
  MAX_MESSAGE_BYTES,
  type AgentMessage,
  type SchedulerMessage,
} from '../transport/protocol';
import { SerialSender } from '../transport/serial-sender';

export interface AgentInfo {
  /** ZeroMQ routing id. */
  route: Buffer;
  name: string;
  kinds: string[];
  slots: number;
  lastHeardAt: number;
  /** Jobs this agent holds (dispatched, not finished). */
  jobs: Set<string>;
}

export type AgentHandler = (agent: AgentInfo, message: AgentMessage) => void;

/** The scheduler's side of the agent link: one ROUTER, agents tracked by routing id. */
export class AgentLink {
  private readonly socket = new Router({
    maxMessageSize: MAX_MESSAGE_BYTES,
    mandatory: true,
    linger: 500,
  });
  private readonly sender: SerialSender;
  private readonly agents = new Map<string, AgentInfo>();
  private stopped = false;

  constructor(
    private readonly address: string,
    private readonly heartbeatIntervalMs: number,
    private readonly onMessage: AgentHandler,
    private readonly onAgentLost: (agent: AgentInfo) => void,
    private readonly log: Logger,
  ) {
    this.sender = new SerialSender(this.socket, (error) =>
      this.log.warn({ err: error }, 'send to agent failed'),
    );
  }

  async start(): Promise<void> {
    await this.socket.bind(this.address);
    void this.receive();
  }

  list(): AgentInfo[] {
    return [...this.agents.values()];
  }

  send(agent: AgentInfo, message: SchedulerMessage): void {
    this.sender.send([agent.route, encode(message)]);
  }

  /** Heartbeats out, and agents silent for three intervals are declared lost. */
  sweep(now = Date.now()): void {
    for (const [key, agent] of this.agents) {
      if (now - agent.lastHeardAt > 3 * this.heartbeatIntervalMs) {
        this.agents.delete(key);
        this.log.warn({ agent: agent.name }, 'agent lost (silent for three heartbeats)');
        this.onAgentLost(agent);
      } else {
        this.send(agent, { v: 1, type: 'heartbeat' });
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
    let agent = this.agents.get(key);
    if (message.type === 'hello') {
      agent = {
        route,
        name: message.agent,
        kinds: message.kinds,
        slots: message.slots,
        lastHeardAt: Date.now(),
        jobs: new Set(message.running.map((r) => r.jobId)),
      };
      this.agents.set(key, agent);
      this.log.info(
        {
          agent: agent.name,
          kinds: agent.kinds,
          slots: agent.slots,
          running: message.running.length,
        },
        'agent joined',
      );
      this.send(agent, { v: 1, type: 'welcome' });
    }
    if (!agent) {
      // An agent we do not know (we restarted): ask it to introduce itself.
      this.sender.send([route, encode({ v: 1, type: 'introduce' })]);
      return;
    }
    agent.lastHeardAt = Date.now();
    this.onMessage(agent, message);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.sender.drain();
    this.sender.close();
    this.socket.close();
  }
}
