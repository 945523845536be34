import { randomBytes } from 'node:crypto';
import { Dealer } from 'zeromq';
import { isFinished } from '../jobs';
import { failpoint } from '../lifecycle/failpoint';
import type { Logger } from '../lifecycle/logger';
import type { ClientSecurity } from '../transport/link-security';
import {
  decodeSchedulerMessage,
  encode,
  MAX_HEALTH_REASON_CHARS,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  type AgentMessage,
  type SchedulerMessage,
} from '../transport/protocol';
import { SerialSender } from '../transport/serial-sender';
import type { Executor, ExecutorEvent, ExecutorHealth } from './executor';

export interface AgentHostOptions {
  /** Stable across restarts: the scheduler matches a returning agent by name. */
  name: string;
  schedulerAddress: string;
  heartbeatIntervalMs: number;
  security?: ClientSecurity;
}

type EventMessage = Extract<AgentMessage, { type: 'event' }>;
type HealthMessage = Extract<AgentMessage, { type: 'runner-health' }>;

/**
 * Connects an executor to the scheduler. Every state report is kept until the scheduler acks it and
 * is sent again otherwise, so a report survives a scheduler restart or a dropped message. A
 * scheduler silent for three heartbeats is presumed gone: the agent says hello again.
 */
export class AgentHost {
  private readonly socket: Dealer;
  private readonly sender: SerialSender;
  private readonly unacked = new Map<number, { message: EventMessage; sentAt: number }>();
  /** The latest engine health per kind, sent again after each welcome while it is not ok. */
  private readonly health = new Map<string, HealthMessage>();
  readonly bootId = randomBytes(8).toString('hex');
  private nextSeq = 1;
  private lastHeard = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly executor: Executor,
    private readonly options: AgentHostOptions,
    private readonly log: Logger,
  ) {
    const security = options.security ?? { kind: 'open' };
    this.socket = new Dealer({
      maxMessageSize: MAX_MESSAGE_BYTES,
      linger: 500,
      ...(security.kind === 'curve'
        ? {
            curveServerKey: security.serverKey,
            curvePublicKey: security.keys.publicKey,
            curveSecretKey: security.keys.secretKey,
          }
        : {}),
    });
    this.sender = new SerialSender(this.socket, (error) =>
      this.log.warn({ err: error }, 'send failed'),
    );
  }

  async start(): Promise<void> {
    // Connect first: a send on a DEALER that was never connected does not complete.
    this.socket.connect(this.options.schedulerAddress);
    this.executor.watchHealth?.(this.reportHealth);
    await this.executor.open(this.report);
    this.sayHello();
    this.timer = setInterval(() => this.tick(), this.options.heartbeatIntervalMs);
    void this.receive();
  }

  private send(message: AgentMessage): void {
    this.sender.send(encode(message));
  }

  private sayHello(): void {
    this.send({
      v: PROTOCOL_VERSION,
      type: 'hello',
      agent: this.options.name,
      bootId: this.bootId,
      kinds: this.executor.kinds,
      slots: this.executor.slots,
      running: this.executor.running(),
    });
  }

  private tick(): void {
    const now = Date.now();
    this.send({ v: PROTOCOL_VERSION, type: 'heartbeat' });
    if (now - this.lastHeard > 3 * this.options.heartbeatIntervalMs) {
      this.log.warn('scheduler silent for three heartbeats; introducing this agent again');
      this.lastHeard = now;
      this.sayHello();
    }
    for (const entry of this.unacked.values()) {
      if (now - entry.sentAt >= this.options.heartbeatIntervalMs) {
        entry.sentAt = now;
        this.send(entry.message);
      }
    }
  }

  private report = (event: ExecutorEvent): void => {
    failpoint('agent-before-report');
    const message: EventMessage = {
      v: PROTOCOL_VERSION,
      type: 'event',
      seq: this.nextSeq++,
      ...event,
    };
    this.unacked.set(message.seq, { message, sentAt: Date.now() });
    this.send(message);
  };

  private reportHealth = (health: ExecutorHealth): void => {
    const message: HealthMessage = {
      v: PROTOCOL_VERSION,
      type: 'runner-health',
      kind: health.kind,
      ok: health.ok,
      consecutiveFailures: health.ok ? 0 : Math.max(1, health.consecutiveFailures),
      reason: health.reason === null ? null : health.reason.slice(0, MAX_HEALTH_REASON_CHARS),
    };
    this.health.set(health.kind, message);
    this.send(message);
  };

  private async receive(): Promise<void> {
    try {
      for await (const [frame] of this.socket) {
        let message: SchedulerMessage;
        try {
          message = decodeSchedulerMessage(frame);
        } catch (error) {
          this.log.warn(
            { err: (error as Error).message },
            'dropped a malformed message from the scheduler',
          );
          continue;
        }
        this.lastHeard = Date.now();
        this.handle(message);
      }
    } catch (error) {
      if (!this.stopped) this.log.error({ err: error }, 'agent socket failed');
    }
  }

  private handle(message: SchedulerMessage): void {
    switch (message.type) {
      case 'welcome':
        for (const entry of this.unacked.values()) this.send(entry.message);
        // A restarted scheduler learns that the engine is failing (repeats change nothing).
        for (const health of this.health.values()) if (!health.ok) this.send(health);
        return;
      case 'introduce':
        this.sayHello();
        return;
      case 'event-ack': {
        const entry = this.unacked.get(message.seq);
        this.unacked.delete(message.seq);
        const event = entry?.message;
        if (event && isFinished(event.state))
          this.executor.finalized(event.jobId, event.fencingToken);
        return;
      }
      case 'dispatch':
        void this.dispatch(message.job);
        return;
      case 'cancel':
        void this.executor.cancel(message.jobId, message.fencingToken);
        return;
      case 'heartbeat':
        return;
    }
  }

  private async dispatch(
    job: Extract<SchedulerMessage, { type: 'dispatch' }>['job'],
  ): Promise<void> {
    const { jobId, fencingToken } = job;
    try {
      await this.executor.start(job);
      this.send({ v: PROTOCOL_VERSION, type: 'dispatch-ack', jobId, fencingToken, accepted: true });
    } catch (error) {
      const reason = (error as Error).message;
      this.send({
        v: PROTOCOL_VERSION,
        type: 'dispatch-ack',
        jobId,
        fencingToken,
        accepted: false,
        reason,
      });
    }
  }

  /** Stops intake and gives pending reports a moment to leave; running jobs are not killed. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.executor.close();
    await this.sender.drain();
    this.sender.close();
    this.socket.close();
  }
}
