import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Dealer } from 'zeromq';
import { MAX_MESSAGE_BYTES } from '../../src/transport/protocol';
import { allowedAgentOptions, type AgentCurveOptions } from '../helpers/link-keys';
import { SchedulerHarness } from '../helpers/scheduler-harness';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(90_000);

let h: SchedulerHarness;
let agentsAddress: string;
/** The fake agents hold the local agent's keys: the scheduler allows no one else. */
let curve: AgentCurveOptions;

beforeAll(async () => {
  h = await SchedulerHarness.create({ 'log.level': 'info' });
  const settings = readFileSync(path.join(h.home.home, 'settings.yaml'), 'utf8');
  agentsAddress = JSON.parse(/local-queue\.host: (.*)/.exec(settings)![1]);
  h.scheduler();
  curve = await allowedAgentOptions(h.home.home);
});

const sockets: Dealer[] = [];

afterAll(async () => {
  for (const socket of sockets) if (!socket.closed) socket.close();
  await h?.close();
});

/** A hand-driven agent: the test plays the agent's side of the protocol. */
async function fakeAgent(name: string, slots = 1) {
  const socket = new Dealer({ linger: 0, ...curve });
  socket.connect(agentsAddress);
  const received: Record<string, unknown>[] = [];
  void (async () => {
    try {
      for await (const [frame] of socket) {
        const message = JSON.parse(frame.toString()) as Record<string, unknown>;
        received.push(message);
        // Kept alive like a real agent: one silent for three heartbeats is declared lost.
        if (message.type === 'heartbeat')
          void socket.send(JSON.stringify({ v: 2, type: 'heartbeat' })).catch(() => undefined);
      }
    } catch {
      // closed
    }
  })();
  const send = (message: unknown) => socket.send(JSON.stringify(message));
  await send({
    v: 2,
    type: 'hello',
    agent: name,
    bootId: 'b1',
    kinds: ['local'],
    slots,
    running: [],
  });
  await waitFor(
    async () => (received.some((m) => m.type === 'welcome') ? true : undefined),
    'welcome',
  );
  return { socket, received, send };
}

describe('the scheduler side of the agent protocol', () => {
  it('drops malformed and oversized messages, logs them, and keeps serving', async () => {
    const agent = await fakeAgent('rude', 0);
    sockets.push(agent.socket);
    await agent.socket.send('not json');
    await agent.socket.send(JSON.stringify({ v: 99, type: 'hello' }));
    await agent.socket.send(JSON.stringify({ v: 2, type: 'event', jobId: 7 }));
    await agent.socket.send(JSON.stringify({ v: 2, type: 'launch-missiles' }));
    await waitFor(
      async () =>
        (
          h.children
            .values()
            .next()
            .value!.output()
            .match(/dropped a malformed/g) ?? []
        ).length >= 4
          ? true
          : undefined,
      'four drops in the log',
    );
    const big = new Dealer({ linger: 0, ...curve });
    sockets.push(big);
    big.connect(agentsAddress);
    await big.send(Buffer.alloc(MAX_MESSAGE_BYTES + 1, 'x'));
    big.close();
    // Still alive and still answering.
    await agent.send({ v: 2, type: 'heartbeat' });
    await waitFor(
      async () => (agent.received.some((m) => m.type === 'heartbeat') ? true : undefined),
      'a heartbeat',
    );
    const scheduler = h.children.values().next().value!;
    expect(scheduler.child.exitCode).toBeNull();
    agent.socket.close();
  });

  it('resends a dispatch until it is acknowledged, and records the acked reports', async () => {
    const agent = await fakeAgent('slow-acker');
    sockets.push(agent.socket);
    const job = await h.submit('ledger');
    const dispatches = () => agent.received.filter((m) => m.type === 'dispatch');
    await waitFor(
      async () => (dispatches().length >= 2 ? true : undefined),
      'a resent dispatch',
      5000,
    );
    const spec = dispatches()[0].job as { jobId: string; fencingToken: number };
    expect(spec.jobId).toBe(job.id);
    expect(dispatches()[1].job).toEqual(dispatches()[0].job);
    await agent.send({
      v: 2,
      type: 'dispatch-ack',
      jobId: job.id,
      fencingToken: spec.fencingToken,
      accepted: true,
    });
    await h.waitForState(job.id, ['QUEUED']);
    await agent.send({
      v: 2,
      type: 'event',
      seq: 1,
      jobId: job.id,
      fencingToken: spec.fencingToken,
      state: 'RUNNING',
      externalId: '42',
    });
    await agent.send({
      v: 2,
      type: 'event',
      seq: 2,
      jobId: job.id,
      fencingToken: spec.fencingToken,
      state: 'COMPLETED',
      exitCode: 0,
    });
    const done = await h.waitForState(job.id, ['COMPLETED']);
    expect(done.externalId).toBe('42');
    const acks = () => agent.received.filter((m) => m.type === 'event-ack').map((m) => m.seq);
    await waitFor(async () => (acks().length >= 2 ? true : undefined), 'event acks');
    expect(acks()).toEqual([1, 2]);
    // A report with a stale fencing token is refused (and still acknowledged).
    await agent.send({
      v: 2,
      type: 'event',
      seq: 3,
      jobId: job.id,
      fencingToken: spec.fencingToken - 1,
      state: 'FAILED',
    });
    await waitFor(async () => (acks().includes(3) ? true : undefined), 'the stale ack');
    expect((await h.store.getJob(job.id))!.state).toBe('COMPLETED');
    agent.socket.close();
  });

  it('keeps serving every other agent while one stops reading its messages', async () => {
    // Agents of earlier tests, closed, must be written off first: one with a free slot could take
    // a job meant for the stuck one, and leave the stuck one a slot for the job meant for the good.
    const schedulerOutput = () => h.children.values().next().value!.output();
    await waitFor(async () => {
      const joined = schedulerOutput().match(/agent joined/g)?.length ?? 0;
      return (schedulerOutput().match(/agent lost/g)?.length ?? 0) === joined ? true : undefined;
    }, 'earlier agents written off');
    // A stuck agent: alive (it heartbeats) but reads nothing, with tiny buffers, so the dispatches
    // resent to it every heartbeat soon fill everything between it and the scheduler.
    const stuck = new Dealer({
      linger: 0,
      receiveHighWaterMark: 1,
      receiveBufferSize: 4096,
      ...curve,
    });
    sockets.push(stuck);
    stuck.connect(agentsAddress);
    const send = (message: unknown) => stuck.send(JSON.stringify(message)).catch(() => undefined);
    const slots = 1000;
    await send({
      v: 2,
      type: 'hello',
      agent: 'stuck',
      bootId: 'b1',
      kinds: ['local'],
      slots,
      running: [],
    });
    const beating = setInterval(() => void send({ v: 2, type: 'heartbeat' }), 50);
    try {
      const held = await Promise.all(Array.from({ length: slots }, () => h.submit('ledger')));
      await waitFor(
        async () => {
          const states = await Promise.all(held.map((job) => h.store.getJob(job.id)));
          // A thousand claims and dispatches take seconds on a loaded machine; each probe reads
          // every job, so it polls slowly.
          return states.every((job) => job?.state === 'ACCEPTED') ? true : undefined;
        },
        'every slot of the stuck agent taken',
        45_000,
        250,
      );
      // 1,000 dispatches resent every 200 ms for 5 s: far more than the stuck agent's path holds.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      const good = h.agent(['--name', 'good']);
      const job = await h.submit('ledger');
      await h.waitForState(job.id, ['COMPLETED'], 10_000);
      expect(h.ledger().filter((id) => id === job.id)).toHaveLength(1);
      await good.kill('SIGTERM');
    } finally {
      clearInterval(beating);
      stuck.close();
    }
  });

  it('asks an unknown peer to introduce itself', async () => {
    const socket = new Dealer({ linger: 0, ...curve });
    sockets.push(socket);
    socket.connect(agentsAddress);
    await socket.send(JSON.stringify({ v: 2, type: 'heartbeat' }));
    const [frame] = await socket.receive();
    expect(JSON.parse(frame.toString())).toEqual({ v: 2, type: 'introduce' });
    socket.close();
  });
});
