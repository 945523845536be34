import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Router } from 'zeromq';
import { newJobId } from '../../src/jobs';
import { createLogger } from '../../src/lifecycle/logger';
import { AgentHost } from '../../src/runners/agent-host';
import { LocalExecutor } from '../../src/runners/local/local-executor';
import type { DispatchSpec } from '../../src/transport/protocol';
import { freePort } from '../helpers/free-port';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(30_000);

type Message = Record<string, unknown> & { type: string };

/**
 * The test plays the scheduler: a ROUTER that welcomes hellos, answers heartbeats (asking an agent
 * it does not know yet to introduce itself, as the real one does) and acknowledges no report, so the
 * agent keeps its reports for the next scheduler.
 */
class FakeScheduler {
  readonly received: { message: Message; at: number }[] = [];
  private readonly socket = new Router({ linger: 0 });
  private route: Buffer | null = null;

  static async bind(address: string): Promise<FakeScheduler> {
    const scheduler = new FakeScheduler();
    await scheduler.socket.bind(address);
    void scheduler.receive();
    return scheduler;
  }

  private async receive(): Promise<void> {
    try {
      for await (const [route, frame] of this.socket) {
        const message = JSON.parse(frame.toString()) as Message;
        this.route = route;
        const known = this.received.some((r) => r.message.type === 'hello');
        this.received.push({ message, at: Date.now() });
        if (message.type === 'hello') await this.send({ type: 'welcome' });
        if (message.type === 'heartbeat')
          await this.send({ type: known ? 'heartbeat' : 'introduce' });
      }
    } catch {
      // closed
    }
  }

  send(message: Record<string, unknown>): Promise<void> {
    return this.socket.send([this.route!, JSON.stringify({ v: 2, ...message })]);
  }

  ofType(type: string): Message[] {
    return this.received.filter((r) => r.message.type === type).map((r) => r.message);
  }

  close(): void {
    this.socket.close();
  }
}

let workDirectory: string;
let address: string;
const cleanups: (() => unknown)[] = [];

beforeEach(async () => {
  workDirectory = mkdtempSync(path.join(tmpdir(), 'damson-outage-'));
  address = `tcp://127.0.0.1:${await freePort()}`;
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  rmSync(workDirectory, { recursive: true, force: true });
});

async function startAgent(heartbeatIntervalMs: number): Promise<AgentHost> {
  const log = createLogger('agent-test', 'silent');
  const executor = new LocalExecutor(
    {
      slots: 2,
      journalFile: path.join(workDirectory, 'agent.journal'),
      outputQuotaBytes: 1_000_000,
    },
    log,
  );
  const agent = new AgentHost(
    executor,
    {
      name: 'outage-test',
      schedulerAddress: address,
      heartbeatIntervalMs,
      jobsDirectory: workDirectory,
    },
    log,
  );
  await agent.start();
  cleanups.push(() => agent.stop());
  return agent;
}

async function bindScheduler(): Promise<FakeScheduler> {
  const scheduler = await FakeScheduler.bind(address);
  cleanups.push(() => scheduler.close());
  return scheduler;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('queues nothing for an absent scheduler: no stale backlog when it comes, and a prompt stop', async () => {
  // At 5 ms a heartbeat (and a hello every three), 4 s would fill ZeroMQ's 1,000-message queue.
  const agent = await startAgent(5);
  await sleep(4000);
  const scheduler = await bindScheduler();
  const boundAt = Date.now();
  await waitFor(async () => (scheduler.ofType('hello').length > 0 ? true : undefined), 'a hello');
  await sleep(300);
  const early = scheduler.received.filter((r) => r.at - boundAt <= 300);
  // Live traffic only: a heartbeat per 5 ms, give or take; a backlog would be over a thousand.
  expect(early.length).toBeLessThan(250);
  // A queued backlog would hold some 260 hellos (one per three heartbeats over 4 s); live traffic
  // holds one or two, a few more when the machine is busy and the answer to the first is late.
  expect(early.filter((r) => r.message.type === 'hello').length).toBeLessThan(10);

  scheduler.close();
  await sleep(500);
  const stopStartedAt = Date.now();
  await agent.stop();
  expect(Date.now() - stopStartedAt).toBeLessThan(1000);
});

it('says hello on reconnection at once, and gives the reports made meanwhile to the next scheduler', async () => {
  // Heartbeats 2 s apart: a hello within one second of the new scheduler comes from the connection.
  await startAgent(2000);
  const first = await bindScheduler();
  await waitFor(async () => (first.ofType('hello').length > 0 ? true : undefined), 'first hello');
  const jobId = newJobId();
  const spec: DispatchSpec = {
    jobId,
    fencingToken: 1,
    service: 'sleeper',
    runner: 'default',
    runnerType: 'local',
    runnerParameters: {},
    argv: ['sleep', '0.5'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    cwd: path.join(workDirectory, 'job'),
    links: [],
    timeoutMs: null,
  };
  await first.send({ type: 'dispatch', job: spec });
  await waitFor(
    async () => (first.ofType('event').some((e) => e.state === 'RUNNING') ? true : undefined),
    'RUNNING reported',
  );
  first.close();
  // The job ends while no scheduler listens: its COMPLETED cannot be delivered now.
  await sleep(1500);

  const second = await bindScheduler();
  const boundAt = Date.now();
  await waitFor(async () => (second.ofType('hello').length > 0 ? true : undefined), 'second hello');
  const helloAt = second.received.find((r) => r.message.type === 'hello')!.at;
  expect(helloAt - boundAt).toBeLessThan(1000);
  const completed = await waitFor(
    async () => second.ofType('event').find((e) => e.jobId === jobId && e.state === 'COMPLETED'),
    'COMPLETED given to the second scheduler',
  );
  expect(completed.exitCode).toBe(0);
});
