import { isFinished } from '../jobs';
import { timerDelayMs } from '../lifecycle/long-timer';
import type { TestRunOutcome } from '../services/health/test-run-outcome';
import { PROTOCOL_VERSION, type AgentMessage, type DispatchSpec } from '../transport/protocol';
import type { AgentIO } from './agent-io';
import type { AgentInfo } from './agent-link';

/**
 * Runs a scheduler remembers as dispatched and not yet ended on their agent, at most: a run whose
 * agent never reports its end is forgotten oldest first (its late reports then go the way of any
 * report about an attempt the scheduler does not know: acknowledged, and the run stopped).
 */
export const MAX_REMEMBERED_TEST_RUNS = 10_000;

interface Waiting {
  timer: NodeJS.Timeout;
  resolve: (outcome: TestRunOutcome) => void;
}

/**
 * Runs service health tests on the same agents as jobs, through the scheduler's agent I/O, and
 * hands their outcome to the service monitor instead of the job store. A run is known by this
 * record of the ids it dispatched, and the slot it holds by `purpose: 'service-test'`: nothing
 * reads the form of its id.
 */
export class TestRuns {
  /**
   * The agent (by name, which outlives a reconnection) of each run dispatched and not yet ended
   * on it; a timed-out run may still be stopping.
   */
  private readonly dispatched = new Map<string, string>();
  /** Each run whose outcome the monitor still waits for. */
  private readonly waiting = new Map<string, Waiting>();

  constructor(private readonly agents: () => Pick<AgentIO, 'list' | 'send'>) {}

  /** Whether this id is a test run this scheduler dispatched and its agent has not ended. */
  owns(jobId: string): boolean {
    return this.dispatched.has(jobId);
  }

  run(spec: DispatchSpec, kind: string, timeoutMs: number): Promise<TestRunOutcome> {
    const candidates = this.agents()
      .list()
      .filter((a) => a.kinds.includes(kind));
    const agent = candidates.find((a) => a.jobs.size < a.slots) ?? candidates[0];
    if (!agent) {
      return Promise.resolve({ kind: 'not-started', reason: `no '${kind}' agent is connected` });
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.finish(spec.jobId, { kind: 'timeout' });
        void this.agents().send(agent, {
          v: PROTOCOL_VERSION,
          type: 'cancel',
          jobId: spec.jobId,
          fencingToken: spec.fencingToken,
        });
      }, timerDelayMs(timeoutMs));
      this.remember(spec.jobId, agent.name);
      this.waiting.set(spec.jobId, { timer, resolve });
      agent.jobs.set(spec.jobId, {
        service: spec.service,
        runner: spec.runner,
        fencingToken: spec.fencingToken,
        purpose: 'service-test',
      });
      void this.agents().send(agent, { v: PROTOCOL_VERSION, type: 'dispatch', job: spec });
    });
  }

  /** Takes the messages about this scheduler's test runs; returns false for everything else. */
  handle(agent: AgentInfo, message: AgentMessage): boolean {
    if (message.type !== 'dispatch-ack' && message.type !== 'event') return false;
    // Only the agent the run was sent to reports on it; anyone else's report about that id goes
    // the way of a report about an attempt the agent does not hold (src/scheduler/agent-reports.ts).
    if (this.dispatched.get(message.jobId) !== agent.name) return false;
    if (message.type === 'dispatch-ack') {
      if (!message.accepted) {
        this.ended(agent, message.jobId);
        this.finish(message.jobId, {
          kind: 'not-started',
          reason: message.reason ?? 'the agent refused the test',
        });
      }
      return true;
    }
    void this.agents().send(agent, { v: PROTOCOL_VERSION, type: 'event-ack', seq: message.seq });
    if (isFinished(message.state)) {
      this.ended(agent, message.jobId);
      this.finish(message.jobId, {
        kind: 'finished',
        state: message.state,
        reason: message.reason ?? null,
      });
    }
    return true;
  }

  private remember(jobId: string, agentName: string): void {
    this.dispatched.set(jobId, agentName);
    if (this.dispatched.size <= MAX_REMEMBERED_TEST_RUNS) return;
    const [[oldest]] = this.dispatched;
    this.dispatched.delete(oldest);
  }

  private ended(agent: AgentInfo, jobId: string): void {
    this.dispatched.delete(jobId);
    agent.jobs.delete(jobId);
  }

  private finish(jobId: string, outcome: TestRunOutcome): void {
    const run = this.waiting.get(jobId);
    if (!run) return;
    clearTimeout(run.timer);
    this.waiting.delete(jobId);
    run.resolve(outcome);
  }

  /** Ends every wait (on shutdown) so no promise is left waiting. */
  stop(): void {
    for (const id of [...this.waiting.keys()]) {
      this.finish(id, { kind: 'not-started', reason: 'the scheduler is stopping' });
    }
  }
}
