import type { JobState } from '../jobs';

/** Bumped on any incompatible change; a peer speaking another version is refused at hello. */
export const PROTOCOL_VERSION = 1;
export const MAX_MESSAGE_BYTES = 1024 * 1024;

export interface RunningJob {
  jobId: string;
  fencingToken: number;
  externalId: string | null;
}

export interface DispatchSpec {
  jobId: string;
  fencingToken: number;
  service: string;
  runner: string;
  runnerType: string;
  runnerParameters: Record<string, unknown>;
  argv: string[];
  env: Record<string, string>;
  /** Absolute job directory (shared filesystem). */
  cwd: string;
  links: { name: string; target: string }[];
  timeoutMs: number | null;
}

/** Agent → scheduler. */
export type AgentMessage =
  | { v: 1; type: 'hello'; agent: string; kinds: string[]; slots: number; running: RunningJob[] }
  | { v: 1; type: 'heartbeat' }
  | {
      v: 1;
      type: 'dispatch-ack';
      jobId: string;
      fencingToken: number;
      accepted: boolean;
      reason?: string;
    }
  | {
      v: 1;
      type: 'event';
      seq: number;
      jobId: string;
      fencingToken: number;
      state: JobState;
      externalId?: string | null;
      exitCode?: number | null;
      reason?: string | null;
    };

/** Scheduler → agent. */
export type SchedulerMessage =
  | { v: 1; type: 'welcome' }
  /** Sent to an agent the scheduler does not know (it restarted): the agent answers with hello. */
  | { v: 1; type: 'introduce' }
  | { v: 1; type: 'heartbeat' }
  | { v: 1; type: 'dispatch'; job: DispatchSpec }
  | { v: 1; type: 'cancel'; jobId: string; fencingToken: number }
  | { v: 1; type: 'event-ack'; seq: number };

const AGENT_TYPES = new Set(['hello', 'heartbeat', 'dispatch-ack', 'event']);
const SCHEDULER_TYPES = new Set([
  'welcome',
  'introduce',
  'heartbeat',
  'dispatch',
  'cancel',
  'event-ack',
]);

export class ProtocolError extends Error {}

export function encode(message: AgentMessage | SchedulerMessage): Buffer {
  return Buffer.from(JSON.stringify(message));
}

function decodeWith(frame: Buffer, types: Set<string>): Record<string, unknown> {
  if (frame.length > MAX_MESSAGE_BYTES)
    throw new ProtocolError(`message of ${frame.length} bytes is too large`);
  let value: unknown;
  try {
    value = JSON.parse(frame.toString('utf8'));
  } catch {
    throw new ProtocolError('message is not JSON');
  }
  if (!value || typeof value !== 'object') throw new ProtocolError('message is not an object');
  const message = value as Record<string, unknown>;
  if (message.v !== PROTOCOL_VERSION)
    throw new ProtocolError(`unsupported protocol version ${String(message.v)}`);
  if (typeof message.type !== 'string' || !types.has(message.type)) {
    throw new ProtocolError(`unknown message type ${String(message.type)}`);
  }
  const jobId = message.jobId ?? (message.job as Record<string, unknown> | undefined)?.jobId;
  if (
    (message.type === 'event' ||
      message.type === 'dispatch-ack' ||
      message.type === 'cancel' ||
      message.type === 'dispatch') &&
    typeof jobId !== 'string'
  ) {
    throw new ProtocolError(`${message.type} without a job id`);
  }
  return message;
}

export function decodeAgentMessage(frame: Buffer): AgentMessage {
  return decodeWith(frame, AGENT_TYPES) as unknown as AgentMessage;
}

export function decodeSchedulerMessage(frame: Buffer): SchedulerMessage {
  return decodeWith(frame, SCHEDULER_TYPES) as unknown as SchedulerMessage;
}
