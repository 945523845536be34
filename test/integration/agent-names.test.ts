import { copyFileSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { childPids, startDamson } from '../helpers/damson-process';
import { SchedulerHarness } from '../helpers/scheduler-harness';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(60_000);

let h: SchedulerHarness;

beforeEach(async () => {
  h = await SchedulerHarness.create({ 'log.level': 'info' });
});

afterEach(async () => {
  await h?.close();
});

const until = (probe: () => boolean, what: string, timeoutMs = 15_000) =>
  waitFor(async () => (probe() ? true : undefined), what, timeoutMs);

describe('agent names', () => {
  it('refuses a second agent under a name in use on this host: it would share the journal', async () => {
    const first = h.agent();
    await until(() => /agent running/.test(first.output()), 'the first agent');
    const second = h.agent();
    expect(await second.exited).not.toBe(0);
    expect(second.output()).toContain(
      `another agent named 'local@${hostname()}' is running (pid ${first.pid} on ${hostname()})`,
    );
    expect(first.child.exitCode).toBeNull();
    // Its lock goes with it: a restart after a crash takes the name over.
    await first.kill('SIGKILL');
    const third = h.agent();
    await until(() => /agent running/.test(third.output()), 'the restarted agent');
  });

  it('the scheduler refuses a live duplicate (another journal) until the name is free', async () => {
    const scheduler = h.scheduler();
    const first = h.agent(['--name', 'twin']);
    await until(() => /agent joined/.test(scheduler.output()), 'the first agent joined');
    // The same name from another project directory (its own journal): refused on both sides.
    const other = mkdtempSync(path.join(tmpdir(), 'damson-twin-'));
    copyFileSync(path.join(h.home.home, 'settings.yaml'), path.join(other, 'settings.yaml'));
    symlinkSync(path.join(h.home.home, 'services'), path.join(other, 'services'));
    // The same link keys: an allowed agent, refused for its name alone.
    symlinkSync(path.join(h.home.home, 'keys'), path.join(other, 'keys'));
    const second = h.start(['agent', '--kind', 'local', '--name', 'twin'], { DAMSON_HOME: other });
    await until(
      () =>
        /the scheduler refused this agent; retrying until its name is free/.test(second.output()),
      'the agent told it is refused',
    );
    expect(second.output()).toMatch(/another agent named 'twin' is connected/);
    expect(scheduler.output()).toMatch(/refused an agent: its name is taken by a live agent/);
    // No flipping between the two: the first keeps the name.
    await new Promise((r) => setTimeout(r, 1500));
    expect(scheduler.output().match(/agent joined/g)).toHaveLength(1);
    const job = await h.submit('ledger');
    await h.waitForState(job.id, ['COMPLETED']);
    expect(h.ledger()).toEqual([job.id]);
    // Once the first is gone (declared lost), the second takes the name.
    await first.kill('SIGKILL');
    await until(
      () => (scheduler.output().match(/agent joined/g) ?? []).length === 2,
      'the second agent joined',
    );
    expect(second.child.exitCode).toBeNull();
  });

  it('damson start --no-local-agent runs the server and the scheduler only', async () => {
    const damson = await startDamson(h.home, ['start', '--no-local-agent']);
    try {
      // The default (supervisor.processes: combined): one child, told to run no agent.
      const commands = childPids(damson.process.pid!).map((pid) =>
        readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(2, -1).join(' '),
      );
      expect(commands).toEqual(['combined --no-local-agent']);
      const job = await h.submit('ledger');
      await new Promise((r) => setTimeout(r, 1500));
      expect((await h.store.getJob(job.id))!.state).toBe('PENDING');
      h.agent(['--name', 'apart']);
      await h.waitForState(job.id, ['COMPLETED']);
    } finally {
      await damson.stop();
    }
  });
});
