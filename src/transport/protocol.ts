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

/*
 * The schemas below check frames at run time; they are typed against the message types above so
 * the two cannot drift: each message type needs its schema, each key of a message its property
 * schema (and no other key), and each required key of a message its place in `required`.
 */
type Schema = Record<string, unknown>;
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
/** An object's schema: a property schema for every key of T, and every required key `true`. */
interface ObjectSchema<T> {
  properties: { [K in keyof T]-?: Schema };
  required: { [K in RequiredKeys<T>]: true };
  /** More of the schema (conditions between keys). */
  also?: Schema;
}
/** A message's keys but the two every message has. */
type Body<M> = Omit<M, 'v' | 'type'>;
type Variants<M extends { type: string }> = {
  [T in M['type']]: ObjectSchema<Body<Extract<M, { type: T }>>>;
};

function objectSchema<T>({ properties, required, also }: ObjectSchema<T>): Schema {
  return { type: 'object', required: Object.keys(required), properties, ...also };
}

/** One schema for a union of messages: a variant for each `type`, the version checked too. */
function messageSchema<M extends { type: string }>(variants: Variants<M>): Schema {
  return {
    oneOf: Object.entries<ObjectSchema<unknown>>(variants).map(([type, body]) =>
      objectSchema({
        ...body,
        properties: { v: { const: PROTOCOL_VERSION }, type: { const: type }, ...body.properties },
        required: { v: true, type: true, ...body.required },
      }),
    ),
  };
}

const runningJob = objectSchema<RunningJob>({
  properties: { jobId, fencingToken: token, externalId: nullableString },
  required: { jobId: true, fencingToken: true, externalId: true },
});

const agentSchema = messageSchema<AgentMessage>({
  hello: {
    properties: {
      agent: { type: 'string', minLength: 1, maxLength: 200 },
      bootId: { type: 'string', minLength: 1, maxLength: 64 },
      kinds: stringList,
      slots: { type: 'integer', minimum: 0 },
      running: { type: 'array', items: runningJob },
    },
    required: { agent: true, bootId: true, kinds: true, slots: true, running: true },
  },
  heartbeat: { properties: {}, required: {} },
  goodbye: { properties: { jobsContinue: { type: 'boolean' } }, required: { jobsContinue: true } },
  'dispatch-ack': {
    properties: {
      jobId,
      fencingToken: token,
      accepted: { type: 'boolean' },
      reason: { type: 'string' },
    },
    required: { jobId: true, fencingToken: true, accepted: true },
  },
  event: {
    properties: {
      seq: { type: 'integer', minimum: 1 },
      jobId,
      fencingToken: token,
      state: { enum: [...JOB_STATES] },
      externalId: nullableString,
      exitCode: { type: ['integer', 'null'] },
      reason: nullableString,
      lost: { type: 'boolean' },
    },
    required: { seq: true, jobId: true, fencingToken: true, state: true },
  },
  'runner-health': {
    properties: {
      kind: { type: 'string', minLength: 1, maxLength: 64 },
      ok: { type: 'boolean' },
      consecutiveFailures: { type: 'integer', minimum: 0 },
      reason: { type: ['string', 'null'], maxLength: MAX_HEALTH_REASON_CHARS },
    },
    required: { kind: true, ok: true, consecutiveFailures: true },
    // ok says 0 failures in a row; a failure report counts at least one.
    also: {
      if: { properties: { ok: { const: true } } },
      then: { properties: { consecutiveFailures: { const: 0 } } },
      else: { properties: { consecutiveFailures: { minimum: 1 } } },
    },
  },
});

const dispatchSpec = objectSchema<DispatchSpec>({
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
      items: objectSchema<DispatchSpec['links'][number]>({
        properties: { name: { type: 'string' }, target: { type: 'string' } },
        required: { name: true, target: true },
      }),
    },
    timeoutMs: { type: ['integer', 'null'], minimum: 1 },
  },
  // runnerParameters, links and timeoutMs too: the agent reads them unguarded, and the type
  // (what every scheduler sends) has always required them.
  required: {
    jobId: true,
    fencingToken: true,
    service: true,
    runner: true,
    runnerType: true,
    runnerParameters: true,
    argv: true,
    env: true,
    cwd: true,
    links: true,
    timeoutMs: true,
  },
});

const schedulerSchema = messageSchema<SchedulerMessage>({
  welcome: { properties: {}, required: {} },
  introduce: { properties: {}, required: {} },
  heartbeat: { properties: {}, required: {} },
  dispatch: { properties: { job: dispatchSpec }, required: { job: true } },
  cancel: {
    properties: { jobId, fencingToken: token },
    required: { jobId: true, fencingToken: true },
  },
  'event-ack': { properties: { seq: { type: 'integer', minimum: 1 } }, required: { seq: true } },
  refused: {
    properties: { reason: { type: 'string', maxLength: 1000 } },
    required: { reason: true },
  },
});

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
