import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { newJobId } from '../../src/jobs';
import { createLogger } from '../../src/lifecycle/logger';
import { MAX_TIMER_DELAY_MS, setLongTimeout, timerDelayMs } from '../../src/lifecycle/long-timer';
import type { ExecutorEvent } from '../../src/runners/executor';
import { LocalExecutor } from '../../src/runners/local/local-executor';
import { waitFor } from '../helpers/wait-for';

const DAY_MS = 24 * 3600 * 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Node's own warnings while `body` runs (a timer past the limit gives TimeoutOverflowWarning). */
async function warningsDuring(body: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (warning: Error): void => void seen.push(warning.name);
  process.on('warning', listener);
  try {
    await body();
    // Warnings are emitted on the next tick.
    await sleep(20);
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

describe('timerDelayMs', () => {
  it('keeps delays within what Node honours', () => {
    expect(timerDelayMs(1500)).toBe(1500);
    expect(timerDelayMs(MAX_TIMER_DELAY_MS)).toBe(MAX_TIMER_DELAY_MS);
    expect(timerDelayMs(25.5 * DAY_MS)).toBe(MAX_TIMER_DELAY_MS);
    expect(timerDelayMs(Infinity)).toBe(MAX_TIMER_DELAY_MS);
    expect(timerDelayMs(-5)).toBe(0);
    expect(timerDelayMs(NaN)).toBe(0);
  });
});

describe('setLongTimeout', () => {
  it('fires a short delay once', async () => {
    let calls = 0;
    setLongTimeout(() => calls++, 30);
    await waitFor(async () => (calls > 0 ? true : undefined), 'the timer to fire', 5_000, 5);
    await sleep(100);
    expect(calls).toBe(1);
  });

  it('waits out a delay past the limit without firing early or warning', async () => {
    let calls = 0;
    const warnings = await warningsDuring(async () => {
      const timer = setLongTimeout(() => calls++, 25.5 * DAY_MS);
      await sleep(300);
      timer.clear();
    });
    expect(calls).toBe(0);
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });

  it('never fires once cleared', async () => {
    let calls = 0;
    setLongTimeout(() => calls++, 50).clear();
    await sleep(200);
    expect(calls).toBe(0);
  });
});

describe('a local job whose time limit is past the timer limit', () => {
  it('runs to completion instead of being stopped at once', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'damson-long-limit-'));
    const executor = new LocalExecutor(
      { slots: 1, journalFile: path.join(root, 'journal'), outputQuotaBytes: 1024 * 1024 },
      createLogger('long-timer-test', 'silent'),
    );
    const events: ExecutorEvent[] = [];
    await executor.open((event) => void events.push(event));
    try {
      const jobId = newJobId();
      await executor.start({
        jobId,
        fencingToken: 1,
        service: 'long-limit',
        runner: 'default',
        runnerType: 'ShellRunner',
        runnerParameters: {},
        argv: ['/bin/sh', '-c', 'sleep 0.5; echo done'],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        cwd: path.join(root, 'jobs', jobId),
        links: [],
        timeoutMs: 30 * DAY_MS,
      });
      const end = await waitFor(
        async () => events.find((e) => e.jobId === jobId && e.state !== 'RUNNING'),
        'the job to end',
        15_000,
      );
      expect(end).toMatchObject({ state: 'COMPLETED', exitCode: 0 });
    } finally {
      await executor.close();
    }
  });
});
