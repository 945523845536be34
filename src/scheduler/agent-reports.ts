import { isFinished } from '../jobs';
import { failpoint } from '../lifecycle/failpoint';
import type { Logger } from '../lifecycle/logger';
import { PROTOCOL_VERSION, type AgentMessage } from '../transport/protocol';
import { holdsAttempt, releaseAttempt, type AgentInfo } from './agent-link';
import type { AgentIO } from './agent-io';
import type { ClaimLedger } from './claim-ledger';
import type { EngineHealthFeed } from './engine-health-feed';
import type { JobRecovery } from './job-recovery';
import type { RunnerBreakers } from './runner-breakers';
import type { TestRuns } from './test-runs';
import type { WriteBatcher } from './write-batcher';

type DispatchAck = Extract<AgentMessage, { type: 'dispatch-ack' }>;
type EventReport = Extract<AgentMessage, { type: 'event' }>;

/** What recording agent reports shares with the rest of the scheduler. */
export interface AgentReportsContext {
  writes: WriteBatcher;
  claims: ClaimLedger;
  breakers: RunnerBreakers;
  recovery: JobRecovery;
  engineHealth: EngineHealthFeed;
  testRuns: Pick<TestRuns, 'handle'>;
  link: () => Pick<AgentIO, 'send'>;
  leaseMs: number;
  /** A job finished: its slot is free. */
  wake: () => void;
  /** The scheduler stopped taking work (a graceful stop is under way). */
  isStopped: () => boolean;
  log: Logger;
}

/**
 * Records what agents report (dispatch acknowledgements, job states, engine health) in the store,
 * and acknowledges every report once it is recorded or refused.
 */
export class AgentReports {
  private readonly recording = new Map<string, Promise<void>>();
  /** After a stop has released its claims: reports are left for the next scheduler. */
  private closed = false;

  constructor(private readonly ctx: AgentReportsContext) {}

  /** Reports being recorded now. */
  get pending(): number {
    return this.recording.size;
  }

  close(): void {
    this.closed = true;
  }

  onMessage = (agent: AgentInfo, message: AgentMessage): void => {
    // Unacknowledged, the agent keeps the report and gives it to the next scheduler.
    if (this.closed) return;
    // One job's messages are recorded in arrival order: with an asynchronous store (MongoDB), a
    // resent RUNNING and COMPLETED would otherwise race and the later one could be refused.
    const key = 'jobId' in message ? message.jobId : '';
    const next = (this.recording.get(key) ?? Promise.resolve())
      .then(() => this.handle(agent, message))
      .catch((error: unknown) =>
        this.ctx.log.error({ err: error, type: message.type }, 'failed to record an agent message'),
      );
    this.recording.set(key, next);
    void next.then(() => {
      if (this.recording.get(key) === next) this.recording.delete(key);
    });
  };

  private async handle(agent: AgentInfo, message: AgentMessage): Promise<void> {
    if (this.ctx.testRuns.handle(agent, message)) return;
    // Reports resent on a welcome must find the jobs the hello listed already adopted.
    await this.ctx.recovery.adopted(agent);
    if (message.type === 'dispatch-ack') await this.recordDispatchAck(agent, message);
    else if (message.type === 'event') await this.recordEvent(agent, message);
    else if (message.type === 'runner-health') this.ctx.engineHealth.report(agent, message);
  }

  private async recordDispatchAck(agent: AgentInfo, message: DispatchAck): Promise<void> {
    const { claims, breakers, recovery } = this.ctx;
    const { jobId, fencingToken } = message;
    // Only the acknowledgement of the attempt this agent was given counts: one for an older
    // attempt (or for a job it was never given) must not settle or refuse the newer one.
    if (!holdsAttempt(agent, jobId, fencingToken)) {
      // Also the usual order for a job the agent ended at once (a refused submission reports
      // ERROR before its acknowledgement leaves), hence not a warning.
      this.ctx.log.debug(
        { agent: agent.name, jobId, fencingToken },
        'ignored an acknowledgement for an attempt this agent does not hold',
      );
      if (message.accepted) await recovery.cancelIfGone(agent, jobId, fencingToken);
      return;
    }
    const unacked = agent.unacked.get(jobId);
    const sent = unacked?.spec.fencingToken === fencingToken ? unacked : undefined;
    if (sent) agent.unacked.delete(jobId);
    failpoint('scheduler-after-ack');
    if (!message.accepted) {
      releaseAttempt(agent, jobId, fencingToken);
      if (this.ctx.isStopped()) {
        // Most likely the agent is stopping too (`damson start` stops both at once): not the
        // runner's fault, so no attempt and no breaker failure; the stop hands the job back.
        claims.refused(jobId, fencingToken);
        return;
      }
      const reason = `agent ${agent.name} refused the job: ${message.reason ?? 'no reason'}`;
      if (sent) breakers.failure(sent.spec.service, sent.spec.runner, reason);
      await recovery.retryOrGiveUp(jobId, fencingToken, reason);
      claims.settled(jobId, fencingToken);
      return;
    }
    // Acknowledged: the agent holds it, so it is no longer this scheduler's to hand back.
    claims.settled(jobId, fencingToken);
    const job = await this.ctx.writes.transition({
      id: jobId,
      to: 'QUEUED',
      fencingToken,
      patch: {
        leaseMs: this.ctx.leaseMs,
        ...(sent ? { runner: sent.spec.runner } : {}),
      },
    });
    if (!job) await recovery.cancelIfGone(agent, jobId, fencingToken);
  }

  private async recordEvent(agent: AgentInfo, event: EventReport): Promise<void> {
    const { breakers, recovery } = this.ctx;
    const { jobId, fencingToken, state } = event;
    const ack = () =>
      this.ctx.link().send(agent, { v: PROTOCOL_VERSION, type: 'event-ack', seq: event.seq });
    // Only the agent that holds this very attempt may report on it: a report about an older
    // attempt, or from an agent (or a peer posing as one) that was never given the job, changes
    // nothing. It is acknowledged (so the agent forgets it) and the attempt is stopped if it runs.
    if (!holdsAttempt(agent, jobId, fencingToken)) {
      this.ctx.log.warn(
        { agent: agent.name, jobId, fencingToken, state },
        'ignored a report about an attempt this agent does not hold',
      );
      if (!isFinished(state)) await recovery.cancelIfGone(agent, jobId, fencingToken);
      ack();
      return;
    }
    this.ctx.claims.settled(jobId, fencingToken);
    const held = agent.jobs.get(jobId);
    failpoint('scheduler-before-record');
    if (event.lost && isFinished(state)) {
      if (held) breakers.failure(held.service, held.runner, event.reason ?? 'attempt lost');
      await recovery.retryOrGiveUp(jobId, fencingToken, event.reason ?? 'attempt lost', state);
    } else {
      const job = await this.ctx.writes.transition({
        id: jobId,
        to: state,
        fencingToken,
        patch: {
          externalId: event.externalId,
          exitCode: event.exitCode,
          reason: event.reason,
        },
      });
      if (job && held && (state === 'RUNNING' || state === 'COMPLETED' || state === 'FAILED'))
        breakers.success(held.service, held.runner);
      if (!job && !isFinished(state)) await recovery.cancelIfGone(agent, jobId, fencingToken);
    }
    if (isFinished(state) && releaseAttempt(agent, jobId, fencingToken)) this.ctx.wake();
    ack();
  }
}
