import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { Dealer } from 'zeromq';
import { isFinished } from '../jobs';
import { failpoint } from '../lifecycle/failpoint';
import type { Logger } from '../lifecycle/logger';
import type { ClientSecurity } from '../transport/link-security';
import {
  decodeSchedulerMessage,
  encodeWithinLimit,
  MAX_HEALTH_REASON_CHARS,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  type AgentMessage,
  type SchedulerMessage,
} from '../transport/protocol';
import { SerialSender } from '../transport/serial-sender';
import type { Executor, ExecutorEvent, ExecutorHealth } from './executor';
import { timerDelayMs } from '../lifecycle/long-timer';
import { outsideJobsDirectory } from './jobs-confinement';

export interface AgentHostOptions {
  /** Stable across restarts: the scheduler matches a returning agent by name. */
  name: string;
  schedulerAddress: string;
  heartbeatIntervalMs: number;
  /** `directory.jobs`: the agent runs a dispatch only in a directory inside it. */
  jobsDirectory: string;
  security?: ClientSecurity;
  /**
   * The executor's jobs go on without the agent (a cluster engine holds them): a graceful stop
   * tells the scheduler so, and it waits for the agent instead of declaring the jobs lost.
   */
  jobsOutliveAgent?: boolean;
}

/** A refusal by the scheduler is logged at most this often (it repeats every heartbeat). */
const REFUSAL_LOG_INTERVAL_MS = 60_000;

type EventMessage = Extract<AgentMessage, { type: 'event' }>;
type HealthMessage = Extract<AgentMessage, { type: 'runner-health' }>;

/**
 * Connects an executor to the scheduler. Every state report is kept until the scheduler acks it and
 * is sent again otherwise, so a report survives a scheduler restart or a dropped message. The agent
 * says hello on every new connection, and again when the scheduler is silent for three heartbeats.
 *
 * Nothing is queued for a scheduler that is away: while the link is down, or when a frozen
 * scheduler's queue is full, a message is dropped, because everything that matters is sent again
 * (reports until acked, hello on reconnection, the engine's health after each welcome). Queued
 * instead, an outage of minutes would pile up a thousand stale heartbeats and hellos for the
 * returning scheduler and then block every send. The socket itself keeps its connection's queues
 * across a reconnection (no `immediate`), so a dispatch that arrived just before the link broke is
 * still read, run and reported, not lost with the connection.
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
  /** Messages dropped since the scheduler was last heard (logged when it answers again). */
  private droppedSinceHeard = 0;
  /** Between a completed handshake and the next disconnection. */
  private connected = false;
  /** realpath of directory.jobs, taken once: the root every dispatch's cwd must resolve inside. */
  private readonly jobsRoot: string;
  private refusalLoggedAt = 0;

  constructor(
    private readonly executor: Executor,
    private readonly options: AgentHostOptions,
    private readonly log: Logger,
  ) {
    this.jobsRoot = realpathSync(options.jobsDirectory);
    const security = options.security ?? { kind: 'open' };
    this.socket = new Dealer({
      maxMessageSize: MAX_MESSAGE_BYTES,
      linger: 500,
      // Never waiting on a full queue: see the class comment.
      sendTimeout: 0,
      ...(security.kind === 'curve'
        ? {
            curveServerKey: security.serverKey,
            curvePublicKey: security.keys.publicKey,
            curveSecretKey: security.keys.secretKey,
          }
        : {}),
    });
    this.sender = new SerialSender(this.socket, this.onSendFailed);
  }

  async start(): Promise<void> {
    this.executor.watchHealth?.(this.reportHealth);
    await this.executor.open(this.report);
    void this.watchConnection();
    this.socket.connect(this.options.schedulerAddress);
    this.timer = setInterval(() => this.tick(), timerDelayMs(this.options.heartbeatIntervalMs));
    void this.receive();
  }

  /**
   * Each (re)connection, at startup or after the scheduler restarted, introduces this agent. Read
   * as an iterator: zeromq's event-emitter mode requires a module lazily, which fails once a test
   * runner has torn down the module registry that first loaded zeromq.
   */
  private async watchConnection(): Promise<void> {
    try {
      for await (const event of this.socket.events) {
        if (event.type === 'handshake') {
          this.connected = true;
          this.sayHello();
        } else if (event.type === 'disconnect') {
          this.connected = false;
        }
      }
    } catch (error) {
      if (!this.stopped) this.log.error({ err: error }, 'agent connection monitor failed');
    }
  }

  private send(message: AgentMessage): void {
    // An outage itself is logged as three silent heartbeats (tick), its end with this count.
    if (!this.connected) {
      this.droppedSinceHeard++;
      return;
    }
    let frame: Buffer;
    try {
      // Over the limit, the scheduler's socket would drop the link (and every job's reports).
      frame = encodeWithinLimit(message);
    } catch (error) {
      this.log.error({ err: (error as Error).message }, 'message not sent');
      return;
    }
    this.sender.send(frame);
  }

  private onSendFailed = (error: Error): void => {
    if ((error as Error & { code?: string }).code === 'EAGAIN') this.droppedSinceHeard++;
    else this.log.warn({ err: error }, 'send failed');
  };

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
        if (this.droppedSinceHeard > 0) {
          this.log.info({ dropped: this.droppedSinceHeard }, 'scheduler reachable again');
          this.droppedSinceHeard = 0;
        }
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
        // A restarted scheduler learns that the engine is failing, and one that missed the engine's
        // recovery while the link was down learns of it (repeats change nothing).
        for (const health of this.health.values()) this.send(health);
        return;
      case 'introduce':
        // A stopping agent that said goodbye stays gone.
        if (!this.stopped) this.sayHello();
        return;
      case 'refused':
        // Introduced again at each heartbeat: taken as soon as the name is free (a restarted
        // agent's dead predecessor is declared lost within three heartbeats).
        if (Date.now() - this.refusalLoggedAt >= REFUSAL_LOG_INTERVAL_MS) {
          this.refusalLoggedAt = Date.now();
          this.log.error(
            { agent: this.options.name, reason: message.reason },
            'the scheduler refused this agent; retrying until its name is free',
          );
        }
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
    const ack = (reason?: string): void =>
      this.send({
        v: PROTOCOL_VERSION,
        type: 'dispatch-ack',
        jobId,
        fencingToken,
        accepted: reason === undefined,
        ...(reason === undefined ? {} : { reason }),
      });
    const refusal = outsideJobsDirectory(job.cwd, this.jobsRoot);
    if (refusal) {
      this.log.warn({ jobId, cwd: job.cwd }, `dispatch refused: ${refusal}`);
      ack(refusal);
      return;
    }
    try {
      await this.executor.start(job);
      ack();
    } catch (error) {
      ack((error as Error).message);
    }
  }

  /** Stops intake and gives pending reports a moment to leave; running jobs are not killed. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.options.jobsOutliveAgent)
      this.send({ v: PROTOCOL_VERSION, type: 'goodbye', jobsContinue: true });
    await this.executor.close();
    await this.sender.drain(this.options.heartbeatIntervalMs);
    this.sender.close();
    this.socket.close();
  }
}
