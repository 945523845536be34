import { randomBytes } from 'node:crypto';
import { isFinished, type JobState } from '../../jobs';
import {
  PROTOCOL_VERSION,
  type AgentMessage,
  type DispatchSpec,
  type SchedulerMessage,
} from '../../transport/protocol';
import { timerDelayMs } from '../../lifecycle/long-timer';

/** Health-test runs never enter the job store; their ids cannot be mistaken for job ids. */
export const TEST_RUN_PREFIX = 'service-test-';

export const newTestRunId = (): string => `${TEST_RUN_PREFIX}${randomBytes(8).toString('hex')}`;

export type TestRunOutcome =
  | { kind: 'finished'; state: JobState; reason: string | null }
  | { kind: 'not-started'; reason: string }
  | { kind: 'timeout' };

/** What the tracker needs of the scheduler's agent link (kept narrow so it is easy to fake). */
export interface TestAgent {
  kinds: string[];
  slots: number;
  /** Slots held, by job id (the scheduler's agent link keeps service, runner and token). */
  jobs: Map<string, { service: string; runner: string; fencingToken: number }>;
}

export interface TestLink<A extends TestAgent> {
  list(): A[];
  send(agent: A, message: SchedulerMessage): void;
}

interface Run<A> {
  agent: A;
  fencingToken: number;
  timer: NodeJS.Timeout;
  resolve: (outcome: TestRunOutcome) => void;
}

/**
 * Runs service tests on the same agents as jobs, through the scheduler's link, and hands their
 * events back to the monitor instead of the job store.
 */
export class TestRuns<A extends TestAgent> {
  private readonly runs = new Map<string, Run<A>>();

  constructor(private readonly link: () => TestLink<A>) {}

  run(spec: DispatchSpec, kind: string, timeoutMs: number): Promise<TestRunOutcome> {
    const candidates = this.link()
      .list()
      .filter((a) => a.kinds.includes(kind));
    const agent = candidates.find((a) => a.jobs.size < a.slots) ?? candidates[0];
    if (!agent) {
      return Promise.resolve({ kind: 'not-started', reason: `no '${kind}' agent is connected` });
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.finish(spec.jobId, { kind: 'timeout' });
        this.link().send(agent, {
          v: PROTOCOL_VERSION,
          type: 'cancel',
          jobId: spec.jobId,
          fencingToken: spec.fencingToken,
        });
      }, timerDelayMs(timeoutMs));
      this.runs.set(spec.jobId, { agent, fencingToken: spec.fencingToken, timer, resolve });
      agent.jobs.set(spec.jobId, {
        service: spec.service,
        runner: spec.runner,
        fencingToken: spec.fencingToken,
      });
      this.link().send(agent, { v: PROTOCOL_VERSION, type: 'dispatch', job: spec });
    });
  }

  /** Takes the messages about test runs; returns false for everything else. */
  handle(agent: A, message: AgentMessage): boolean {
    if (message.type !== 'dispatch-ack' && message.type !== 'event') return false;
    if (!message.jobId.startsWith(TEST_RUN_PREFIX)) return false;
    if (message.type === 'dispatch-ack') {
      if (!message.accepted) {
        agent.jobs.delete(message.jobId);
        this.finish(message.jobId, {
          kind: 'not-started',
          reason: message.reason ?? 'the agent refused the test',
        });
      }
      return true;
    }
    this.link().send(agent, { v: PROTOCOL_VERSION, type: 'event-ack', seq: message.seq });
    if (isFinished(message.state)) {
      agent.jobs.delete(message.jobId);
      this.finish(message.jobId, {
        kind: 'finished',
        state: message.state,
        reason: message.reason ?? null,
      });
    }
    return true;
  }

  private finish(jobId: string, outcome: TestRunOutcome): void {
    const run = this.runs.get(jobId);
    if (!run) return;
    clearTimeout(run.timer);
    this.runs.delete(jobId);
    run.resolve(outcome);
  }

  /** Ends every pending run (on shutdown) so no promise is left waiting. */
  stop(): void {
    for (const id of [...this.runs.keys()]) {
      this.finish(id, { kind: 'not-started', reason: 'the scheduler is stopping' });
    }
  }
}
