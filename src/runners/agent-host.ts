import { Dealer } from 'zeromq';
import type { Logger } from '../lifecycle/logger';
import {
  decodeSchedulerMessage,
  encode,
  MAX_MESSAGE_BYTES,
  type AgentMessage,
  type SchedulerMessage,
} from '../transport/protocol';
import { SerialSender } from '../transport/serial-sender';
import type { Executor, ExecutorEvent } from './executor';

export interface AgentHostOptions {
  name: string;
  schedulerAddress: string;
  heartbeatIntervalMs: number;
}

type EventMessage = Extract<AgentMessage, { type: 'event' }>;

/**
 * Connects an executor to the scheduler. Every state report is kept until the scheduler acks it and
 * is sent again otherwise, so a report survives a scheduler restart or a dropped message.
 */
export class AgentHost {
  private readonly socket = new Dealer({ maxMessageSize: MAX_MESSAGE_BYTES, linger: 500 });
  private readonly sender: SerialSender;
  private readonly unacked = new Map<number, { message: EventMessage; sentAt: number }>();
  private nextSeq = 1;
  private lastHeard = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly executor: Executor,
    private readonly options: AgentHostOptions,
    private readonly log: Logger,
  ) {
    this.sender = new SerialSender(this.socket, (error) =>
      this.log.warn({ err: error }, 'send failed'),
    );
  }

  async start(): Promise<void> {
    this.socket.connect(this.options.schedulerAddress);
    this.sayHello();
    this.timer = setInterval(() => this.tick(), this.options.heartbeatIntervalMs);
    void this.receive();
  }

  private send(message: AgentMessage): void {
    this.sender.send(encode(message));
  }

  private sayHello(): void {
    this.send({
      v: 1,
      type: 'hello',
      agent: this.options.name,
      kinds: this.executor.kinds,
      slots: this.executor.slots,
      running: this.executor.running(),
    });
  }

  private tick(): void {
    const now = Date.now();
    this.send({ v: 1, type: 'heartbeat' });
    if (now - this.lastHeard > 3 * this.options.heartbeatIntervalMs) {
      // The scheduler is silent: it may have restarted and forgotten us.
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
    const message: EventMessage = { v: 1, type: 'event', seq: this.nextSeq++, ...event };
    this.unacked.set(message.seq, { message, sentAt: Date.now() });
    this.send(message);
  };

  private async receive(): Promise<void> {
    try {
      for await (const [frame] of this.socket) {
        let message: SchedulerMessage;
        try {
          message = decodeSchedulerMessage(frame);
        } catch (error) {
          this.log.warn({ err: error }, 'dropped a malformed message from the scheduler');
          continue;
        }
        this.lastHeard = Date.now();
        await this.handle(message);
      }
    } catch (error) {
      if (!this.stopped) this.log.error({ err: error }, 'agent socket failed');
    }
  }

  private async handle(message: SchedulerMessage): Promise<void> {
    switch (message.type) {
      case 'welcome':
        for (const entry of this.unacked.values()) this.send(entry.message);
        return;
      case 'introduce':
        this.sayHello();
        return;
      case 'event-ack':
        this.unacked.delete(message.seq);
        return;
      case 'dispatch': {
        const { jobId, fencingToken } = message.job;
        try {
          await this.executor.start(message.job, this.report);
          this.send({ v: 1, type: 'dispatch-ack', jobId, fencingToken, accepted: true });
        } catch (error) {
          const reason = (error as Error).message;
          this.send({ v: 1, type: 'dispatch-ack', jobId, fencingToken, accepted: false, reason });
        }
        return;
      }
      case 'cancel':
        await this.executor.cancel(message.jobId);
        return;
      case 'heartbeat':
        return;
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
