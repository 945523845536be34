import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { curveKeyPair, Dealer, Router } from 'zeromq';
import { DAMSON_BIN } from '../helpers/damson-process';
import { freePort } from '../helpers/free-port';
import { allowedAgentOptions } from '../helpers/link-keys';
import { SchedulerHarness } from '../helpers/scheduler-harness';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(40_000);

let h: SchedulerHarness;

afterEach(async () => {
  await h?.close();
});

const sockets: (Dealer | Router)[] = [];

afterEach(() => {
  for (const socket of sockets.splice(0)) if (!socket.closed) socket.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function agentsAddressOf(home: string): string {
  const settings = readFileSync(path.join(home, 'settings.yaml'), 'utf8');
  return JSON.parse(/local-queue\.host: (.*)/.exec(settings)![1]) as string;
}

/**
 * Another local account's process: it cannot read the keys directory, but it can reach the port
 * and knows the scheduler's public key (public keys are no secret). It says hello offering many
 * slots and reports forged events for `forged`, over and over, and records what it receives.
 */
function rogueAgent(
  address: string,
  options: Record<string, string>,
  forged: { jobId: string; fencingToken: number },
) {
  const socket = new Dealer({ linger: 0, sendTimeout: 0, ...options });
  sockets.push(socket);
  socket.connect(address);
  const received: string[] = [];
  void (async () => {
    try {
      for await (const [frame] of socket) received.push(frame.toString());
    } catch {
      // closed
    }
  })();
  let seq = 0;
  const messages = () => [
    {
      v: 2,
      type: 'hello',
      agent: 'local@real-host',
      bootId: 'rogue',
      kinds: ['local', 'slurm', 'gridengine'],
      slots: 1000,
      running: [{ ...forged, externalId: '1' }],
    },
    { v: 2, type: 'dispatch-ack', ...forged, accepted: true },
    { v: 2, type: 'event', seq: ++seq, ...forged, state: 'COMPLETED', exitCode: 0 },
    { v: 2, type: 'event', seq: ++seq, ...forged, state: 'FAILED', exitCode: 1, reason: 'forged' },
  ];
  const timer = setInterval(() => {
    for (const message of messages()) socket.send(JSON.stringify(message)).catch(() => undefined);
  }, 100);
  return {
    received,
    stop: () => {
      clearInterval(timer);
      socket.close();
    },
  };
}

const keys = (home: string): string =>
  execFileSync(process.execPath, [DAMSON_BIN, 'keys'], {
    env: { ...process.env, DAMSON_HOME: home },
  }).toString();

describe('link security', () => {
  it('refuses to start off loopback without CURVE keys, naming the missing file', async () => {
    // Never bound: the key check comes first.
    h = await SchedulerHarness.create({ 'local-queue.host': `tcp://0.0.0.0:${await freePort()}` });
    const scheduler = h.scheduler();
    expect(await scheduler.exited).toBe(2);
    expect(scheduler.output()).toMatch(/scheduler\.key.*missing CURVE key file.*damson keys/);
    const agent = h.agent();
    expect(await agent.exited).toBe(2);
    expect(agent.output()).toMatch(/scheduler's public key/);
  });

  it('runs jobs over CURVE with keys from `damson keys`, and refuses an agent not allowed', async () => {
    h = await SchedulerHarness.create({ 'link.security': 'curve', 'log.level': 'info' });
    expect(keys(h.home.home)).toMatch(/scheduler\.key[\s\S]*agent\.key[\s\S]*authorized-agents/);
    const keyFile = path.join(h.home.home, 'keys/agent.key');
    expect(readFileSync(keyFile, 'utf8')).toMatch(/^public = .{40}\nsecret = .{40}\n$/);
    const scheduler = h.scheduler();
    const agent = h.agent();
    const job = await h.submit('ledger');
    await h.waitForState(job.id, ['COMPLETED']);
    await agent.kill('SIGTERM');
    await waitFor(async () => (/agent lost/.test(scheduler.output()) ? true : undefined), 'loss');

    const stranger = curveKeyPair();
    writeFileSync(keyFile, `public = ${stranger.publicKey}\nsecret = ${stranger.secretKey}\n`);
    h.agent(['--name', 'stranger']);
    const refused = await h.submit('ledger');
    await waitFor(
      async () => (/refused an agent key/.test(scheduler.output()) ? true : undefined),
      'the refusal in the log',
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect((await h.store.getJob(refused.id))!.state).toBe('PENDING');
    expect(scheduler.output()).not.toMatch(/"agent":"stranger".*agent joined/);
  });
});

describe('the link with default settings', () => {
  it('gives a rogue agent nothing and lets it change nothing, with no key or a key not allowed', async () => {
    h = await SchedulerHarness.create({ 'log.level': 'info' });
    const scheduler = h.scheduler();
    h.agent();
    const address = agentsAddressOf(h.home.home);
    const { curveServerKey } = await allowedAgentOptions(h.home.home);
    const job = await h.submit('ledger', { seconds: 3 });
    const running = await h.waitForState(job.id, ['RUNNING']);
    const forged = { jobId: job.id, fencingToken: running.fencingToken };
    const stranger = curveKeyPair();
    const rogues = [
      rogueAgent(address, {}, forged),
      rogueAgent(
        address,
        { curveServerKey, curvePublicKey: stranger.publicKey, curveSecretKey: stranger.secretKey },
        forged,
      ),
    ];
    try {
      // Jobs submitted while the rogues offer 2,000 slots: all of them go to the real agent.
      const others = await Promise.all([1, 2, 3].map(() => h.submit('ledger')));
      for (const other of others) await h.waitForState(other.id, ['COMPLETED']);
      await waitFor(
        async () =>
          /refused an agent key not allowed/.test(scheduler.output()) ? true : undefined,
        'the refusal of the stranger key',
      );
      const meanwhile = await h.store.getJob(job.id);
      expect(meanwhile!.state).toBe('RUNNING');
      expect(meanwhile!.fencingToken).toBe(running.fencingToken);
      const done = await h.waitForState(job.id, ['COMPLETED', 'FAILED', 'ERROR']);
      expect(done.state).toBe('COMPLETED');
      expect(done.exitCode).toBe(0);
      expect(h.ledger().sort()).toEqual([job.id, ...others.map((o) => o.id)].sort());
      for (const rogue of rogues) expect(rogue.received).toEqual([]);
      expect(scheduler.output()).not.toMatch(/"boot":"rogue"/);
      // Twenty more strangers: twenty refused handshakes, one log line so far.
      for (let i = 0; i < 20; i++) {
        const pair = curveKeyPair();
        const socket = new Dealer({
          linger: 0,
          curveServerKey,
          curvePublicKey: pair.publicKey,
          curveSecretKey: pair.secretKey,
        });
        sockets.push(socket);
        socket.connect(address);
      }
      await sleep(1500);
      expect(scheduler.output().match(/refused an agent key not allowed/g)).toHaveLength(1);
    } finally {
      for (const rogue of rogues) rogue.stop();
    }
  });

  it('never runs a dispatch from a fake scheduler on the agents address', async () => {
    h = await SchedulerHarness.create({ 'log.level': 'info' });
    const address = agentsAddressOf(h.home.home);
    const marker = path.join(h.home.home, 'pwned');
    const spec = {
      jobId: 'fake0000000000000000000000000000',
      fencingToken: 1,
      service: 'ledger',
      runner: 'default',
      runnerType: 'local',
      runnerParameters: {},
      argv: ['/bin/sh', '-c', `id > '${marker}'`],
      env: { PATH: '/usr/bin:/bin' },
      cwd: path.join(h.jobsDirectory, 'fa/ke/job'),
      links: [],
      timeoutMs: null,
    };
    // Without the scheduler's secret key: an open ROUTER, then a CURVE one with a key of its own.
    const impostors: Record<string, unknown>[] = [
      {},
      {
        curveServer: true,
        ...(({ publicKey, secretKey }) => ({
          curvePublicKey: publicKey,
          curveSecretKey: secretKey,
        }))(curveKeyPair()),
      },
    ];
    const agent = h.agent();
    for (const options of impostors) {
      const fake = new Router({ linger: 0, ...options });
      sockets.push(fake);
      // libzmq releases a closed socket's port asynchronously: the previous impostor's may linger.
      await waitFor(
        () =>
          fake.bind(address).then(
            () => true,
            () => undefined,
          ),
        'the agents address to be free',
      );
      const heard: string[] = [];
      void (async () => {
        try {
          for await (const [route, frame] of fake) {
            heard.push(frame.toString());
            await fake.send([route, JSON.stringify({ v: 2, type: 'welcome' })]);
            await fake.send([route, JSON.stringify({ v: 2, type: 'dispatch', job: spec })]);
          }
        } catch {
          // closed
        }
      })();
      // Heartbeats every 200 ms: the agent reconnects and tries many handshakes meanwhile.
      await sleep(2500);
      fake.close();
      expect(heard).toEqual([]);
      expect(existsSync(marker)).toBe(false);
    }
    expect(agent.child.exitCode).toBeNull();
  });
});

describe('the agent runs only inside directory.jobs', () => {
  it('refuses a dispatch whose directory resolves outside, even from the real scheduler', async () => {
    h = await SchedulerHarness.create({ 'log.level': 'info' });
    const address = agentsAddressOf(h.home.home);
    const agent = h.agent();
    // The test holds the scheduler's keys: what a compromised or mistaken scheduler could send.
    await allowedAgentOptions(h.home.home);
    const pair = readFileSync(path.join(h.home.home, 'keys/scheduler.key'), 'utf8');
    const scheduler = new Router({
      linger: 0,
      curveServer: true,
      curvePublicKey: /^public = (.{40})$/m.exec(pair)![1],
      curveSecretKey: /^secret = (.{40})$/m.exec(pair)![1],
    });
    sockets.push(scheduler);
    await scheduler.bind(address);
    const outside = mkdtempSync(path.join(tmpdir(), 'damson-outside-'));
    symlinkSync(outside, path.join(h.jobsDirectory, 'out'));
    const acks: { jobId: string; accepted: boolean; reason?: string }[] = [];
    let route: Buffer | null = null;
    void (async () => {
      try {
        for await (const [from, frame] of scheduler) {
          route = from;
          const message = JSON.parse(frame.toString()) as (typeof acks)[number] & { type: string };
          if (message.type === 'hello')
            await scheduler.send([from, JSON.stringify({ v: 2, type: 'welcome' })]);
          if (message.type === 'dispatch-ack') acks.push(message);
        }
      } catch {
        // closed
      }
    })();
    await waitFor(async () => (route ? true : undefined), 'the agent to say hello');
    const cwds: Record<string, string> = {
      outside0000000000000000000000000: path.join(outside, 'job'),
      dotdot00000000000000000000000000: `${h.jobsDirectory}/ab/../../../escape`,
      symlink0000000000000000000000000: path.join(h.jobsDirectory, 'out/job'),
      root0000000000000000000000000000: h.jobsDirectory,
      inside00000000000000000000000000: path.join(h.jobsDirectory, 'in/si/de'),
    };
    for (const [jobId, cwd] of Object.entries(cwds)) {
      const job = {
        jobId,
        fencingToken: 1,
        service: 'ledger',
        runner: 'default',
        runnerType: 'local',
        runnerParameters: {},
        argv: ['/bin/sh', '-c', 'pwd > ran'],
        env: { PATH: '/usr/bin:/bin' },
        cwd,
        links: [],
        timeoutMs: null,
      };
      await scheduler.send([route!, JSON.stringify({ v: 2, type: 'dispatch', job })]);
    }
    await waitFor(async () => (acks.length >= 5 ? true : undefined), 'five acknowledgements');
    const byJob = new Map(acks.map((ack) => [ack.jobId, ack]));
    for (const jobId of Object.keys(cwds).filter((id) => !id.startsWith('inside'))) {
      expect(byJob.get(jobId)).toMatchObject({
        accepted: false,
        reason: expect.stringMatching(/not inside directory\.jobs/),
      });
    }
    expect(byJob.get('inside00000000000000000000000000')!.accepted).toBe(true);
    await waitFor(
      async () => (existsSync(path.join(h.jobsDirectory, 'in/si/de/ran')) ? true : undefined),
      'the job inside to run',
    );
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(path.join(h.home.home, 'escape'))).toBe(false);
    expect(existsSync(path.join(h.jobsDirectory, 'ran'))).toBe(false);
    expect(agent.child.exitCode).toBeNull();
  });
});

describe('addresses taken by another process', () => {
  const addressOf = (home: string, key: string): string => {
    const settings = readFileSync(path.join(home, 'settings.yaml'), 'utf8');
    return JSON.parse(new RegExp(`${key}: (.*)`).exec(settings)![1]) as string;
  };

  it('a squatted wake address costs a poll, not the scheduler', async () => {
    h = await SchedulerHarness.create({ 'log.level': 'info' });
    const squatter = new Router({ linger: 0 });
    sockets.push(squatter);
    await squatter.bind(addressOf(h.home.home, 'scheduler\\.wake-address'));
    const scheduler = h.scheduler();
    h.agent();
    const job = await h.submit('ledger');
    await h.waitForState(job.id, ['COMPLETED']);
    expect(scheduler.child.exitCode).toBeNull();
    expect(scheduler.output()).toMatch(/cannot listen for wake-ups/);
  });

  it('a squatted agents address stops the scheduler with an error naming it', async () => {
    h = await SchedulerHarness.create({ 'log.level': 'info' });
    const address = agentsAddressOf(h.home.home);
    const squatter = new Router({ linger: 0 });
    sockets.push(squatter);
    await squatter.bind(address);
    const scheduler = h.scheduler();
    expect(await scheduler.exited).toBe(2);
    expect(scheduler.output()).toContain(`address_in_use: cannot listen for agents at ${address}`);
  });
});
