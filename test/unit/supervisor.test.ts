import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { restartDelayMs, Supervisor, type RestartPolicy } from '../../src/lifecycle/supervisor';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(60_000);

interface LogLine {
  msg: string;
  child?: string;
  pid?: number;
  code?: number | null;
  signal?: string | null;
  restartInMs?: number;
  failures?: number;
  /** When the line was written (ms since the epoch), taken by the test. */
  at: number;
}

/** A real pino logger whose lines the test reads back. */
function capturedLogger(): { log: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino(
    { level: 'info' },
    {
      write(text: string) {
        lines.push({ ...(JSON.parse(text) as Omit<LogLine, 'at'>), at: Date.now() });
      },
    },
  );
  return { log, lines };
}

const node = process.execPath;
const exits = (lines: LogLine[], name: string): LogLine[] =>
  lines.filter((l) => l.msg === 'child exited; restarting after backoff' && l.child === name);
const starts = (lines: LogLine[], name: string): LogLine[] =>
  lines.filter((l) => l.msg === 'started' && l.child === name);

describe('restartDelayMs', () => {
  const policy: RestartPolicy = { initialDelayMs: 500, maxDelayMs: 30_000, stableAfterMs: 60_000 };

  it('doubles from the initial delay and never passes the cap, however many failures', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => restartDelayMs(policy, n))).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
    for (const n of [100, 1_000, 1e6, Number.MAX_SAFE_INTEGER]) {
      expect(restartDelayMs(policy, n)).toBe(30_000);
    }
    expect(restartDelayMs(policy, 0)).toBe(500);
  });
});

describe('Supervisor with real child processes', () => {
  let supervisor: Supervisor | undefined;
  afterEach(async () => {
    await supervisor?.stop(2_000);
    supervisor = undefined;
  });

  it('restarts a child that exits at once with a doubling, capped delay, and says so', async () => {
    const { log, lines } = capturedLogger();
    const policy = { initialDelayMs: 50, maxDelayMs: 400, stableAfterMs: 10_000 };
    supervisor = new Supervisor(node, [], log, policy);
    supervisor.start({ name: 'crasher', args: ['-e', 'process.exit(3)'] });
    await waitFor(
      async () => (exits(lines, 'crasher').length >= 7 ? true : undefined),
      'seven exits',
      40_000,
    );
    const exited = exits(lines, 'crasher').slice(0, 7);
    expect(exited.map((l) => l.restartInMs)).toEqual([50, 100, 200, 400, 400, 400, 400]);
    expect(exited.map((l) => l.failures)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const line of exited) {
      expect(line.code).toBe(3);
      expect(line.signal).toBeNull();
      expect(line.pid).toEqual(expect.any(Number));
    }
    // Each restart waited at least its announced delay (the start after exit i is start i + 1).
    const started = starts(lines, 'crasher');
    for (let i = 0; i < 6; i++) {
      const waited = started[i + 1].at - exited[i].at;
      expect(waited).toBeGreaterThanOrEqual(exited[i].restartInMs! - 2);
    }
  });

  it('starts the delay over once a child has stayed up long enough', async () => {
    const { log, lines } = capturedLogger();
    const dir = mkdtempSync(path.join(tmpdir(), 'damson-supervisor-'));
    const counter = path.join(dir, 'runs');
    writeFileSync(counter, '0');
    // Runs 1, 2 and 4 exit at once; run 3 stays up past `stableAfterMs`, then exits.
    const script = `
      const fs = require('fs');
      const run = Number(fs.readFileSync(${JSON.stringify(counter)}, 'utf8')) + 1;
      fs.writeFileSync(${JSON.stringify(counter)}, String(run));
      if (run === 3) setTimeout(() => process.exit(1), 6000); else process.exit(1);
    `;
    const policy = { initialDelayMs: 50, maxDelayMs: 10_000, stableAfterMs: 5_000 };
    supervisor = new Supervisor(node, [], log, policy);
    supervisor.start({ name: 'flaky', args: ['-e', script] });
    await waitFor(
      async () => (exits(lines, 'flaky').length >= 4 ? true : undefined),
      'four exits',
      40_000,
    );
    expect(
      exits(lines, 'flaky')
        .slice(0, 4)
        .map((l) => l.restartInMs),
    ).toEqual([50, 100, 50, 100]);
  });

  it('never gives up on a failing child and never touches its siblings', async () => {
    const { log, lines } = capturedLogger();
    const policy = { initialDelayMs: 10, maxDelayMs: 40, stableAfterMs: 10_000 };
    supervisor = new Supervisor(node, [], log, policy);
    supervisor.start({ name: 'steady', args: ['-e', 'setInterval(() => {}, 1000)'] });
    const steadyPid = supervisor.pidOf('steady');
    supervisor.start({ name: 'crasher', args: ['-e', 'process.kill(process.pid, "SIGKILL")'] });
    await waitFor(
      async () => (exits(lines, 'crasher').length >= 15 ? true : undefined),
      'fifteen exits',
      40_000,
    );
    expect(exits(lines, 'crasher')[0].signal).toBe('SIGKILL');
    expect(supervisor.pidOf('steady')).toBe(steadyPid);
    expect(exits(lines, 'steady')).toEqual([]);
    expect(starts(lines, 'steady')).toHaveLength(1);
    expect(() => process.kill(steadyPid!, 0)).not.toThrow();

    // A stop cancels the pending restart: nothing starts afterwards, and every child is gone.
    await supervisor.stop(2_000);
    supervisor = undefined;
    const startsAtStop = starts(lines, 'crasher').length;
    await new Promise((r) => setTimeout(r, 200));
    expect(starts(lines, 'crasher')).toHaveLength(startsAtStop);
    expect(() => process.kill(steadyPid!, 0)).toThrow();
  });
});
