import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Dealer } from 'zeromq';
import { allowedAgentOptions, type AgentCurveOptions } from '../helpers/link-keys';
import { SchedulerHarness, type DamsonChild } from '../helpers/scheduler-harness';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(60_000);

let h: SchedulerHarness;
let scheduler: DamsonChild;
let agentsAddress: string;
/** The home's local agent keys: the scripted agents are allowed agents, as the real one. */
let curve: AgentCurveOptions;
const sockets: Dealer[] = [];

beforeAll(async () => {
  // A short grace, so attempt 1 is written off and attempt 2 dispatched within the test.
  h = await SchedulerHarness.create({ 'log.level': 'info', 'scheduler.lost-job-grace': 500 });
  const settings = readFileSync(path.join(h.home.home, 'settings.yaml'), 'utf8');
  agentsAddress = JSON.parse(/local-queue\.host: (.*)/.exec(settings)![1]);
  scheduler = h.scheduler();
  curve = await allowedAgentOptions(h.home.home);
});

afterAll(async () => {
  for (const socket of sockets) if (!socket.closed) socket.close();
  await h?.close();
});

type Message = Record<string, unknown>;

/** A scripted agent over a real socket; `silent` stops its heartbeats (it looks dead). */
async function scriptedAgent(name: string, bootId: string) {
  const socket = new Dealer({ linger: 0, ...curve });
  sockets.push(socket);
  socket.connect(agentsAddress);
  const received: Message[] = [];
  const state = { silent: false };
  void (async () => {
    try {
      for await (const [frame] of socket) {
        const message = JSON.parse(frame.toString()) as Message;
        received.push(message);
        if (message.type === 'heartbeat' && !state.silent)
          void socket.send(JSON.stringify({ v: 2, type: 'heartbeat' })).catch(() => undefined);
      }
    } catch {
      // closed
    }
  })();
  const send = (message: Message) => socket.send(JSON.stringify({ v: 2, ...message }));
  const hello = () =>
    send({ type: 'hello', agent: name, bootId, kinds: ['local'], slots: 1, running: [] });
  await hello();
  await waitFor(
    async () => (received.some((m) => m.type === 'welcome') ? true : undefined),
    'welcome',
  );
  const dispatched = (token?: number) =>
    waitFor(
      async () =>
        received
          .filter((m) => m.type === 'dispatch')
          .map((m) => m.job as { jobId: string; fencingToken: number })
          .find((j) => token === undefined || j.fencingToken !== token),
      'a dispatch',
    );
  return { socket, received, send, state, hello, dispatched };
}

describe('reports about an older attempt', () => {
  it('never change the attempt that replaced it', async () => {
    const first = await scriptedAgent('stale-reporter', 'boot-1');
    const job = await h.submit('ledger');
    const one = await first.dispatched();
    expect(one.jobId).toBe(job.id);
    let seq = 1;
    await first.send({
      type: 'dispatch-ack',
      jobId: job.id,
      fencingToken: one.fencingToken,
      accepted: true,
    });
    await first.send({
      type: 'event',
      seq: seq++,
      jobId: job.id,
      fencingToken: one.fencingToken,
      state: 'RUNNING',
      externalId: '101',
    });
    await h.waitForState(job.id, ['RUNNING']);

    // The agent falls silent: declared lost, attempt 1 written off, the job PENDING again.
    first.state.silent = true;
    await h.waitForState(job.id, ['PENDING'], 10_000);
    first.socket.close();

    // The agent returns (a new boot) and is given attempt 2.
    const again = await scriptedAgent('stale-reporter', 'boot-2');
    const two = await again.dispatched();
    expect(two.jobId).toBe(job.id);
    expect(two.fencingToken).toBeGreaterThan(one.fencingToken);
    await again.send({
      type: 'dispatch-ack',
      jobId: job.id,
      fencingToken: two.fencingToken,
      accepted: true,
    });
    await again.send({
      type: 'event',
      seq: seq++,
      jobId: job.id,
      fencingToken: two.fencingToken,
      state: 'RUNNING',
      externalId: '202',
    });
    const running = await waitFor(async () => {
      const j = await h.store.getJob(job.id);
      return j?.state === 'RUNNING' && j.fencingToken === two.fencingToken ? j : undefined;
    }, 'attempt 2 RUNNING');

    // Late reports of attempt 1 arrive: a resent RUNNING, a stale ack, and its end.
    const staleSeqs = [seq++, seq++];
    await again.send({
      type: 'event',
      seq: staleSeqs[0],
      jobId: job.id,
      fencingToken: one.fencingToken,
      state: 'RUNNING',
      externalId: '101',
    });
    await again.send({
      type: 'dispatch-ack',
      jobId: job.id,
      fencingToken: one.fencingToken,
      accepted: true,
    });
    await again.send({
      type: 'event',
      seq: staleSeqs[1],
      jobId: job.id,
      fencingToken: one.fencingToken,
      state: 'FAILED',
      exitCode: 3,
    });
    await waitFor(async () => {
      const acks = again.received.filter((m) => m.type === 'event-ack').map((m) => m.seq);
      return staleSeqs.every((s) => acks.includes(s)) ? true : undefined;
    }, 'the stale reports acknowledged');
    // The stale attempt is told to stop.
    await waitFor(
      async () =>
        again.received.some(
          (m) => m.type === 'cancel' && m.jobId === job.id && m.fencingToken === one.fencingToken,
        )
          ? true
          : undefined,
      'a cancel of attempt 1',
    );
    // Several scheduler ticks (poll 1 s, heartbeat 200 ms) later, nothing of attempt 2 changed.
    await new Promise((r) => setTimeout(r, 2500));
    const after = await h.store.getJob(job.id);
    expect(after).toMatchObject({
      state: 'RUNNING',
      fencingToken: two.fencingToken,
      attempt: running.attempt,
      externalId: '202',
      exitCode: running.exitCode,
      reason: running.reason,
    });
    expect(
      again.received.some((m) => m.type === 'cancel' && m.fencingToken === two.fencingToken),
    ).toBe(false);

    await again.send({
      type: 'event',
      seq,
      jobId: job.id,
      fencingToken: two.fencingToken,
      state: 'COMPLETED',
      exitCode: 0,
    });
    const done = await h.waitForState(job.id, ['COMPLETED']);
    expect(done).toMatchObject({ fencingToken: two.fencingToken, externalId: '202', exitCode: 0 });
    expect(scheduler.output()).toMatch(
      /ignored a report about an attempt this agent does not hold/,
    );
    // Gone before the next test, so its job goes to that test's agent.
    again.socket.close();
    await waitFor(
      async () => ((scheduler.output().match(/agent lost/g) ?? []).length >= 2 ? true : undefined),
      'the agent declared lost',
    );
  });

  it('from an agent that was never given the job change nothing (F6)', async () => {
    const holder = await scriptedAgent('holder', 'boot-h');
    const job = await h.submit('ledger');
    const spec = await holder.dispatched();
    await holder.send({
      type: 'dispatch-ack',
      jobId: job.id,
      fencingToken: spec.fencingToken,
      accepted: true,
    });
    await holder.send({
      type: 'event',
      seq: 1,
      jobId: job.id,
      fencingToken: spec.fencingToken,
      state: 'RUNNING',
      externalId: '7',
    });
    await h.waitForState(job.id, ['RUNNING']);

    // A second peer, knowing the job id and token, reports the job finished.
    const intruder = await scriptedAgent('intruder', 'boot-i');
    await intruder.send({
      type: 'event',
      seq: 1,
      jobId: job.id,
      fencingToken: spec.fencingToken,
      state: 'COMPLETED',
      exitCode: 0,
    });
    await intruder.send({
      type: 'event',
      seq: 2,
      jobId: job.id,
      fencingToken: spec.fencingToken,
      state: 'FAILED',
      exitCode: 1,
      lost: true,
    });
    await waitFor(
      async () =>
        intruder.received.filter((m) => m.type === 'event-ack').length >= 2 ? true : undefined,
      'the intruder acknowledged',
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(await h.store.getJob(job.id)).toMatchObject({
      state: 'RUNNING',
      fencingToken: spec.fencingToken,
      externalId: '7',
      lostAttempts: 0,
    });
    await holder.send({
      type: 'event',
      seq: 2,
      jobId: job.id,
      fencingToken: spec.fencingToken,
      state: 'COMPLETED',
      exitCode: 0,
    });
    await h.waitForState(job.id, ['COMPLETED']);
  });
});
