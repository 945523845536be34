import type { DispatchSpec, SchedulerMessage } from '../transport/protocol';
import type { AgentInfo, AgentLinkEvents } from './agent-link';

/**
 * All the scheduler does to its agents, as four functions: AgentLink (ZeroMQ) in production, plain
 * functions recording what they were sent in the in-process tests.
 */
export interface AgentIO {
  /** The agents connected now, with the jobs each holds. */
  list(): AgentInfo[];
  send(agent: AgentInfo, message: SchedulerMessage): Promise<void>;
  /** Charges the agent with the job, then sends it; throws MessageTooLargeError before charging. */
  dispatch(agent: AgentInfo, spec: DispatchSpec): Promise<void>;
  /** Heartbeats, resent dispatches, and (unless `noticeLost` is false) agents declared lost. */
  sweep(now: number, options?: { noticeLost?: boolean }): void;
}

/**
 * Opens the link to the agents, delivering what they say to `events`; called once, while the
 * scheduler is built, so the scheduler is built in one step and its handlers exist before any
 * agent can speak.
 */
export type ConnectAgents<L extends AgentIO> = (events: AgentLinkEvents) => L;
