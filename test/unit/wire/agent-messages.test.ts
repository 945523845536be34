import {
  decodeAgentMessage,
  decodeSchedulerMessage,
  encode,
  ProtocolError,
  type AgentMessage,
  type DispatchSpec,
  type SchedulerMessage,
} from '../../../src/transport/protocol';

const spec: DispatchSpec = {
  jobId: 'j1',
  fencingToken: 3,
  service: 'echo',
  runner: 'default',
  runnerType: 'local',
  runnerParameters: {},
  argv: ['echo', 'hi'],
  env: { PATH: '/usr/bin' },
  cwd: '/srv/jobs/j1',
  links: [{ name: 'in.txt', target: '/srv/uploads/u1' }],
  timeoutMs: null,
};

// One message of each type, typed by the one declaration the schemas are checked against.
const fromAgent: AgentMessage[] = [
  { v: 2, type: 'hello', agent: 'a', bootId: 'b', kinds: ['local'], slots: 2, running: [] },
  { v: 2, type: 'heartbeat' },
  { v: 2, type: 'goodbye', jobsContinue: false },
  { v: 2, type: 'dispatch-ack', jobId: 'j1', fencingToken: 3, accepted: true },
  { v: 2, type: 'event', seq: 1, jobId: 'j1', fencingToken: 3, state: 'RUNNING' },
  { v: 2, type: 'runner-health', kind: 'slurm', ok: false, consecutiveFailures: 2 },
];
const fromScheduler: SchedulerMessage[] = [
  { v: 2, type: 'welcome' },
  { v: 2, type: 'introduce' },
  { v: 2, type: 'heartbeat' },
  { v: 2, type: 'dispatch', job: spec },
  { v: 2, type: 'cancel', jobId: 'j1', fencingToken: 3 },
  { v: 2, type: 'event-ack', seq: 1 },
  { v: 2, type: 'refused', reason: 'name taken' },
];

describe('the agent messages, declared once', () => {
  it.each(fromAgent.map((m) => [m.type, m] as const))('decode an agent %s', (_t, message) => {
    expect(decodeAgentMessage(encode(message))).toEqual(message);
  });

  it.each(fromScheduler.map((m) => [m.type, m] as const))(
    'decode a scheduler %s',
    (_t, message) => {
      expect(decodeSchedulerMessage(encode(message))).toEqual(message);
    },
  );

  it('refuse a dispatch that lacks a key its type requires (the agent reads them unguarded)', () => {
    for (const key of ['links', 'timeoutMs', 'runnerParameters'] as const) {
      const job: Partial<DispatchSpec> = { ...spec };
      delete job[key];
      const frame = Buffer.from(JSON.stringify({ v: 2, type: 'dispatch', job }));
      expect(() => decodeSchedulerMessage(frame)).toThrow(ProtocolError);
    }
  });

  it('refuse a message of the other direction, or of no known type', () => {
    expect(() => decodeAgentMessage(encode(fromScheduler[3]))).toThrow(ProtocolError);
    const unknown = Buffer.from(JSON.stringify({ v: 2, type: 'ping' }));
    expect(() => decodeSchedulerMessage(unknown)).toThrow(ProtocolError);
  });
});
