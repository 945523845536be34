import Ajv, { type ValidateFunction } from 'ajv';
import { DamsonError } from '../errors';
import { JOB_STATES, type JobState } from '../jobs';

/**
 * The scheduler ⇄ agent protocol: one JSON object per ZeroMQ frame, `v` the protocol version.
 * Bumped on any incompatible change; a message of another version is dropped and logged.
 */
export const PROTOCOL_VERSION = 2;
/**
 * The largest message either end sends or accepts. ZeroMQ closes a connection that delivers a
 * larger one (`maxMessageSize`), and a dispatch resent over and over would then cut the agent off
 * for good: so no end ever sends one (see encodeWithinLimit). Both ends must agree on it.
 */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** A runner-health reason longer than this is malformed (agents shorten theirs). */
export const MAX_HEALTH_REASON_CHARS = 500;

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

type V = { v: 2 };

/** Agent → scheduler. */
export type AgentMessage = V &
  (
    | {
        type: 'hello';
        agent: string;
        /** New on every agent start: a new boot means the old boot's promises are void. */
        bootId: string;
        kinds: string[];
        slots: number;
        running: RunningJob[];
      }
    | { type: 'heartbeat' }
    /**
     * The agent is stopping on purpose. `jobsContinue`: its jobs go on without it (a cluster
     * engine holds them), so the scheduler neither declares them lost nor retries them while it
     * waits (the kind's `scheduler.lost-job-grace`) for the agent to return.
     */
    | { type: 'goodbye'; jobsContinue: boolean }
    | {
        type: 'dispatch-ack';
        jobId: string;
        fencingToken: number;
        accepted: boolean;
        reason?: string;
      }
    | {
        type: 'event';
        seq: number;
        jobId: string;
        fencingToken: number;
        state: JobState;
        externalId?: string | null;
        exitCode?: number | null;
        reason?: string | null;
        /** The attempt ended for a reason outside the tool (eligible for a retry). */
        lost?: boolean;
      }
    /**
     * The agent's engine tools (squeue, qstat, ...) stopped or started answering. Sent on every
     * change and again after each welcome; idempotent: a repeated count changes nothing.
     */
    | {
        type: 'runner-health';
        kind: string;
        ok: boolean;
        /** Failed engine calls in a row (0 when ok). */
        consecutiveFailures: number;
        reason?: string | null;
      }
  );

/** Scheduler → agent. */
export type SchedulerMessage = V &
  (
    | { type: 'welcome' }
    /** Sent to an agent the scheduler does not know (it restarted): the agent answers with hello. */
    | { type: 'introduce' }
    | { type: 'heartbeat' }
    | { type: 'dispatch'; job: DispatchSpec }
    | { type: 'cancel'; jobId: string; fencingToken: number }
    | { type: 'event-ack'; seq: number }
    /** The hello was refused (another live agent uses this name): nothing is dispatched to it. */
    | { type: 'refused'; reason: string }
  );

const jobId = { type: 'string', minLength: 1, maxLength: 64 } as const;
const token = { type: 'integer', minimum: 0 } as const;
const nullableString = { type: ['string', 'null'] } as const;
const stringList = { type: 'array', items: { type: 'string' } } as const;

function variant(type: string, properties: Record<string, unknown> = {}, required: string[] = []) {
  return {
    type: 'object',
    required: ['v', 'type', ...required],
    properties: { v: { const: PROTOCOL_VERSION }, type: { const: type }, ...properties },
  };
}

const runningJob = {
  type: 'object',
  required: ['jobId', 'fencingToken', 'externalId'],
  properties: { jobId, fencingToken: token, externalId: nullableString },
};

const agentSchema = {
  oneOf: [
    variant(
      'hello',
      {
        agent: { type: 'string', minLength: 1, maxLength: 200 },
        bootId: { type: 'string', minLength: 1, maxLength: 64 },
        kinds: stringList,
        slots: { type: 'integer', minimum: 0 },
        running: { type: 'array', items: runningJob },
      },
      ['agent', 'bootId', 'kinds', 'slots', 'running'],
    ),
    variant('heartbeat'),
    variant('goodbye', { jobsContinue: { type: 'boolean' } }, ['jobsContinue']),
    variant(
      'dispatch-ack',
      {
        jobId,
        fencingToken: token,
        accepted: { type: 'boolean' },
        reason: { type: 'string' },
      },
      ['jobId', 'fencingToken', 'accepted'],
    ),
    variant(
      'event',
      {
        seq: { type: 'integer', minimum: 1 },
        jobId,
        fencingToken: token,
        state: { enum: [...JOB_STATES] },
        externalId: nullableString,
        exitCode: { type: ['integer', 'null'] },
        reason: nullableString,
        lost: { type: 'boolean' },
      },
      ['seq', 'jobId', 'fencingToken', 'state'],
    ),
    {
      ...variant(
        'runner-health',
        {
          kind: { type: 'string', minLength: 1, maxLength: 64 },
          ok: { type: 'boolean' },
          consecutiveFailures: { type: 'integer', minimum: 0 },
          reason: { type: ['string', 'null'], maxLength: MAX_HEALTH_REASON_CHARS },
        },
        ['kind', 'ok', 'consecutiveFailures'],
      ),
      // ok says 0 failures in a row; a failure report counts at least one.
      if: { properties: { ok: { const: true } } },
      then: { properties: { consecutiveFailures: { const: 0 } } },
      else: { properties: { consecutiveFailures: { minimum: 1 } } },
    },
  ],
};

const dispatchSpec = {
  type: 'object',
  required: ['jobId', 'fencingToken', 'service', 'runner', 'runnerType', 'argv', 'env', 'cwd'],
  properties: {
    jobId,
    fencingToken: token,
    service: { type: 'string' },
    runner: { type: 'string' },
    runnerType: { type: 'string' },
    runnerParameters: { type: 'object' },
    argv: { ...stringList, minItems: 1 },
    env: { type: 'object', additionalProperties: { type: 'string' } },
    cwd: { type: 'string', pattern: '^/' },
    links: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'target'],
        properties: { name: { type: 'string' }, target: { type: 'string' } },
      },
    },
    timeoutMs: { type: ['integer', 'null'], minimum: 1 },
  },
};

const schedulerSchema = {
  oneOf: [
    variant('welcome'),
    variant('introduce'),
    variant('heartbeat'),
    variant('dispatch', { job: dispatchSpec }, ['job']),
    variant('cancel', { jobId, fencingToken: token }, ['jobId', 'fencingToken']),
    variant('event-ack', { seq: { type: 'integer', minimum: 1 } }, ['seq']),
    variant('refused', { reason: { type: 'string', maxLength: 1000 } }, ['reason']),
  ],
};

const ajv = new Ajv({ allErrors: false, strict: false });
const validateAgent = ajv.compile(agentSchema) as ValidateFunction<AgentMessage>;
const validateScheduler = ajv.compile(schedulerSchema) as ValidateFunction<SchedulerMessage>;

export class ProtocolError extends Error {}

export function encode(message: AgentMessage | SchedulerMessage): Buffer {
  return Buffer.from(JSON.stringify(message));
}

/** A message the link would refuse: never sent. */
export class MessageTooLargeError extends DamsonError {
  constructor(
    readonly messageType: string,
    readonly bytes: number,
  ) {
    super(
      'message_too_large',
      `the ${messageType} message is ${bytes} bytes, over the agent link's limit of ` +
        `${MAX_MESSAGE_BYTES} bytes (${MAX_MESSAGE_BYTES / 1024 / 1024} MiB)`,
    );
  }
}

/** Encodes, or throws MessageTooLargeError when the peer's socket would drop the connection. */
export function encodeWithinLimit(message: AgentMessage | SchedulerMessage): Buffer {
  const frame = encode(message);
  if (frame.length > MAX_MESSAGE_BYTES) throw new MessageTooLargeError(message.type, frame.length);
  return frame;
}

function decodeWith<T>(frame: Buffer, validate: ValidateFunction<T>): T {
  if (frame.length > MAX_MESSAGE_BYTES)
    throw new ProtocolError(`message of ${frame.length} bytes is too large`);
  let value: unknown;
  try {
    value = JSON.parse(frame.toString('utf8'));
  } catch {
    throw new ProtocolError('message is not JSON');
  }
  if (!value || typeof value !== 'object') throw new ProtocolError('message is not an object');
  const { v, type } = value as { v?: unknown; type?: unknown };
  if (v !== PROTOCOL_VERSION) throw new ProtocolError(`unsupported protocol version ${String(v)}`);
  if (!validate(value)) throw new ProtocolError(`malformed '${String(type)}' message`);
  return value;
}

export function decodeAgentMessage(frame: Buffer): AgentMessage {
  return decodeWith(frame, validateAgent);
}

export function decodeSchedulerMessage(frame: Buffer): SchedulerMessage {
  return decodeWith(frame, validateScheduler);
}
