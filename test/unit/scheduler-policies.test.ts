import { curveKeyPair } from 'zeromq';
import { canTransition } from '../../src/jobs';
import { stateForExit } from '../../src/runners/exit-status';
import { CircuitBreaker } from '../../src/scheduler/circuit-breaker';
import { allocateSlots } from '../../src/scheduler/fair-share';
import { isLocalAddress } from '../../src/transport/link-security';
import {
  decodeAgentMessage,
  decodeSchedulerMessage,
  encodeWithinLimit,
  MAX_MESSAGE_BYTES,
  MessageTooLargeError,
  ProtocolError,
} from '../../src/transport/protocol';
import { z85Decode } from '../../src/transport/z85';

const settings = { failures: 3, windowMs: 10_000, backoffMs: 1000, maxBackoffMs: 8000 };

describe('circuit breaker', () => {
  it('opens after N consecutive failures within the window, probes once after the backoff', () => {
    const b = new CircuitBreaker(settings, () => 1);
    expect(b.failure('x', 0)).toBe(false);
    expect(b.failure('x', 100)).toBe(false);
    expect(b.failure('x', 200)).toBe(true);
    expect(b.snapshot()).toMatchObject({ state: 'open', retryAt: 1200, lastError: 'x' });
    expect(b.capacity(1199, 5)).toBe(0);
    expect(b.capacity(1200, 5)).toBe(1);
    expect(b.snapshot().state).toBe('half-open');
    expect(b.capacity(1201, 5)).toBe(0);
  });

  it('doubles the backoff on a failed probe, with jitter, up to the maximum; closes on success', () => {
    const b = new CircuitBreaker(settings, () => 0);
    for (let t = 0; t < 3; t++) b.failure('x', t);
    expect(b.snapshot().retryAt).toBe(2 + 500); // equal jitter: at least half of 1000
    b.capacity(10_000, 1);
    b.failure('again', 10_000);
    expect(b.snapshot().retryAt).toBe(10_000 + 1000); // half of 2000
    let t = 10_000;
    for (let i = 0; i < 10; i++) {
      t = b.snapshot().retryAt!;
      b.capacity(t, 1);
      b.failure('again', t);
    }
    expect(b.snapshot().retryAt! - t).toBe(4000); // half of the 8000 cap
    expect(b.success()).toBe(true);
    expect(b.snapshot()).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });

  it('forgets failures older than the window', () => {
    const b = new CircuitBreaker(settings);
    b.failure('x', 0);
    b.failure('x', 1);
    expect(b.failure('x', 20_000)).toBe(false);
    expect(b.snapshot().consecutiveFailures).toBe(1);
  });
});

describe('weighted fair share', () => {
  it('splits slots by weight, counting what each service already runs', () => {
    const share = allocateSlots(8, [
      { service: 'a', due: 100, running: 0, weight: 3 },
      { service: 'b', due: 100, running: 0, weight: 1 },
    ]);
    expect(Object.fromEntries(share)).toEqual({ a: 6, b: 2 });
    const catchUp = allocateSlots(4, [
      { service: 'a', due: 100, running: 6, weight: 1 },
      { service: 'b', due: 100, running: 0, weight: 1 },
    ]);
    expect(Object.fromEntries(catchUp)).toEqual({ b: 4 });
  });

  it('gives unused share to others and never more than is due', () => {
    const share = allocateSlots(10, [
      { service: 'a', due: 2, running: 0, weight: 5 },
      { service: 'b', due: 3, running: 0, weight: 1 },
    ]);
    expect(Object.fromEntries(share)).toEqual({ a: 2, b: 3 });
  });
});

describe('exit status mapping', () => {
  it.each([
    [0, null, 'COMPLETED'],
    [127, null, 'ERROR'],
    [1, null, 'FAILED'],
    [255, null, 'FAILED'],
    [137, null, 'INTERRUPTED'],
    [null, 'SIGTERM', 'INTERRUPTED'],
  ] as const)('code %p signal %p → %s', (code, signal, state) => {
    expect(stateForExit(code, signal).state).toBe(state);
  });
});

describe('protocol decoding', () => {
  const bad = [
    'not json',
    '[]',
    '{"v":1,"type":"heartbeat"}',
    '{"v":2,"type":"nope"}',
    '{"v":2,"type":"event","seq":1,"jobId":"a","fencingToken":1,"state":"DONE"}',
    '{"v":2,"type":"hello","agent":"a","bootId":"b","kinds":["local"],"slots":-1,"running":[]}',
  ];
  it.each(bad)('refuses %s', (text) => {
    expect(() => decodeAgentMessage(Buffer.from(text))).toThrow(ProtocolError);
  });

  it('refuses a frame over the size limit and accepts well-formed messages', () => {
    expect(() => decodeAgentMessage(Buffer.alloc(MAX_MESSAGE_BYTES + 1, 32))).toThrow(/too large/);
    expect(decodeAgentMessage(Buffer.from('{"v":2,"type":"heartbeat"}'))).toEqual({
      v: 2,
      type: 'heartbeat',
    });
    expect(() =>
      decodeSchedulerMessage(Buffer.from('{"v":2,"type":"dispatch","job":{"jobId":"a"}}')),
    ).toThrow(ProtocolError);
  });

  it('never encodes a message the peer would drop: the limit is named, in bytes', () => {
    const reason = (chars: number) => ({
      v: 2 as const,
      type: 'dispatch-ack' as const,
      jobId: 'a',
      fencingToken: 1,
      accepted: false,
      reason: 'x'.repeat(chars),
    });
    const overhead = encodeWithinLimit(reason(0)).length;
    expect(encodeWithinLimit(reason(MAX_MESSAGE_BYTES - overhead))).toHaveLength(MAX_MESSAGE_BYTES);
    expect(() => encodeWithinLimit(reason(MAX_MESSAGE_BYTES - overhead + 1))).toThrow(
      MessageTooLargeError,
    );
    expect(() => encodeWithinLimit(reason(MAX_MESSAGE_BYTES))).toThrow(
      new RegExp(`limit of ${MAX_MESSAGE_BYTES} bytes`),
    );
  });
});

describe('link security', () => {
  it.each([
    ['tcp://127.0.0.1:4041', true],
    ['tcp://localhost:4041', true],
    ['tcp://[::1]:4041', true],
    ['ipc:///tmp/damson.sock', true],
    ['tcp://0.0.0.0:4041', false],
    ['tcp://10.0.0.5:4041', false],
    ['tcp://*:4041', false],
  ])('%s is local: %p', (address, local) => {
    expect(isLocalAddress(address)).toBe(local);
  });

  it('decodes Z85 keys to 32 bytes', () => {
    const { publicKey } = curveKeyPair();
    expect(z85Decode(publicKey)).toHaveLength(32);
    expect(z85Decode('HelloWorld')).toEqual(
      Buffer.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]),
    );
  });
});

describe('transitions the scheduler relies on', () => {
  it('keeps finished states absorbing and lets lost attempts go back to PENDING', () => {
    expect(canTransition('COMPLETED', 'PENDING')).toBe(false);
    expect(canTransition('UNKNOWN', 'PENDING')).toBe(true);
    expect(canTransition('ACCEPTED', 'COMPLETED')).toBe(true);
    expect(canTransition('CANCELLING', 'PENDING')).toBe(false);
  });
});
