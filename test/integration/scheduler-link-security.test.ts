import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { curveKeyPair } from 'zeromq';
import { DAMSON_BIN } from '../helpers/damson-process';
import { freePort } from '../helpers/free-port';
import { SchedulerHarness } from '../helpers/scheduler-harness';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(40_000);

let h: SchedulerHarness;

afterEach(async () => {
  await h?.close();
});

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
