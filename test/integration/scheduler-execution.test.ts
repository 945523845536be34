import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isProcessAlive, SchedulerHarness } from '../helpers/scheduler-harness';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(40_000);

let h: SchedulerHarness;

beforeAll(async () => {
  h = await SchedulerHarness.create({ 'local-agent.slots': 4 });
  h.scheduler();
  h.agent();
});

afterAll(async () => {
  await h?.close();
});

describe('the local agent runs jobs as real processes', () => {
  it('maps exit statuses: 0 COMPLETED, 127 ERROR, other codes FAILED, never retried', async () => {
    const ok = await h.submit('ledger');
    const failed = await h.submit('ledger', { code: 3 });
    const missing = await h.submit('missing');
    expect((await h.waitForState(ok.id, ['COMPLETED'])).exitCode).toBe(0);
    const f = await h.waitForState(failed.id, ['FAILED']);
    expect(f.exitCode).toBe(3);
    expect(f.attempt).toBe(1);
    expect(f.lostAttempts).toBe(0);
    const m = await h.waitForState(missing.id, ['ERROR']);
    expect(m.exitCode).toBe(127);
    expect(m.attempt).toBe(1);
  });

  it('writes stdout to a file in the job directory and records the exit status there', async () => {
    const job = await h.submit('ledger');
    const done = await h.waitForState(job.id, ['COMPLETED']);
    const dir = path.join(h.jobsDirectory, done.workDir);
    expect(existsSync(path.join(dir, 'stdout'))).toBe(true);
    expect(readFileSync(path.join(dir, `.damson-exit-${done.fencingToken}`), 'utf8').trim()).toBe(
      '0',
    );
  });

  it('cancels a running job: CANCELLING, then INTERRUPTED within 2 s, the whole group gone', async () => {
    const job = await h.submit('ledger', { seconds: 30 });
    const running = await h.waitForState(job.id, ['RUNNING']);
    const pid = Number(running.externalId);
    expect(isProcessAlive(pid)).toBe(true);
    const asked = Date.now();
    expect((await h.store.requestCancel(job.id)).kind).toBe('cancelling');
    const done = await h.waitForState(job.id, ['INTERRUPTED'], 5000);
    expect(Date.now() - asked).toBeLessThan(2000);
    expect(done.reason).toBe('cancelled');
    await waitFor(async () => (isProcessAlive(pid) ? undefined : true), 'the group to end', 2000);
  });

  it('kills a job that ignores SIGTERM with SIGKILL, still within 2 s', async () => {
    const job = await h.submit('stubborn', { seconds: 30 });
    await h.waitForState(job.id, ['RUNNING']);
    await waitFor(async () => (h.ledger().includes(job.id) ? true : undefined), 'the trap');
    const asked = Date.now();
    await h.store.requestCancel(job.id);
    await h.waitForState(job.id, ['INTERRUPTED'], 5000);
    expect(Date.now() - asked).toBeLessThan(2000);
  });

  it('deletes delayed jobs at once on cancel', async () => {
    const job = await h.submit('ledger', {}, { notBefore: new Date(Date.now() + 60_000) });
    expect(job.state).toBe('QUEUED');
    expect((await h.store.requestCancel(job.id)).kind).toBe('deleted');
    expect((await h.store.getJob(job.id))!.state).toBe('DELETED');
  });

  it('stops a run at the service timeout: INTERRUPTED, not retried', async () => {
    const job = await h.submit('timed', { seconds: 30 });
    const done = await h.waitForState(job.id, ['INTERRUPTED'], 5000);
    expect(done.reason).toMatch(/timed out after 1 s/);
    expect(done.attempt).toBe(1);
  });

  it('gives a run the 24 h default limit unless its service sets its own', async () => {
    const plain = await h.submit('ledger', { seconds: 30 });
    const timed = await h.submit('timed', { seconds: 30 });
    await h.waitForState(plain.id, ['RUNNING']);
    // The agent's journal records the limit each run was dispatched with.
    const limits = await waitFor(async () => {
      const dir = path.join(h.home.home, 'data/agents');
      const found = new Map<string, unknown>();
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.journal'))) {
        for (const line of readFileSync(path.join(dir, name), 'utf8').split('\n')) {
          if (!line) continue;
          const entry = JSON.parse(line) as { op: string; jobId: string; timeoutMs?: unknown };
          if (entry.op === 'start') found.set(entry.jobId, entry.timeoutMs);
        }
      }
      return found.has(plain.id) && found.has(timed.id) ? found : undefined;
    }, 'both runs in the journal');
    expect(limits.get(plain.id)).toBe(24 * 60 * 60 * 1000);
    expect(limits.get(timed.id)).toBe(1000);
    await h.store.requestCancel(plain.id);
    await h.waitForState(plain.id, ['INTERRUPTED'], 5000);
  });
});
