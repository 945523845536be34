import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApiClient, FINISHED } from '../helpers/api-client';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { childPids, isAlive, startDamson, type RunningDamson } from '../helpers/damson-process';
import { waitFor } from '../helpers/wait-for';

/**
 * Crash safety of `damson start`: the server is the process anonymous clients can reach, so it is
 * the one that may be made to die. Killing it, however often, must never stop the scheduler or the
 * agent: the supervisor restarts it with backoff and jobs keep running.
 */

jest.setTimeout(240_000);

const RESTART_DELAY_MS = 200;
const MAX_RESTART_DELAY_MS = 2_000;
/** Time a restarted server needs to load settings and services and listen, on a busy machine. */
const STARTUP_ALLOWANCE_MS = 15_000;
const EXIT_LINE = 'child exited; restarting after backoff';

interface ExitLine {
  msg: string;
  child: string;
  pid: number;
  code: number | null;
  signal: string | null;
  restartInMs: number;
}

/** The child of `damson start` running `damson <role>`, read from /proc. */
function pidOfRole(damsonPid: number, role: 'server' | 'scheduler' | 'agent'): number | undefined {
  return childPids(damsonPid).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(role);
    } catch {
      return false;
    }
  });
}

function exitLines(output: string): ExitLine[] {
  const lines: ExitLine[] = [];
  for (const text of output.split('\n')) {
    if (!text.includes(EXIT_LINE)) continue;
    try {
      lines.push(JSON.parse(text) as ExitLine);
    } catch {
      // a line cut by the pipe; the next poll sees it whole
    }
  }
  return lines;
}

async function serves(home: DamsonHome): Promise<boolean | undefined> {
  const res = await fetch(`${home.baseUrl}/api/version`);
  return res.ok ? true : undefined;
}

/** The audit's F2 requests: part names that are inherited properties of a plain object. */
function crashingRequest(i: number): { path: string; body: FormData } {
  const body = new FormData();
  switch (i % 4) {
    case 0:
      body.append('__proto__', 'x');
      return { path: '/api/services/head/jobs', body };
    case 1:
      body.append('constructor', new Blob(['some text\n']), 'some.txt');
      return { path: '/api/services/head/jobs', body };
    case 2:
      body.append('toString', new Blob(['some text\n']), 'some.txt');
      return { path: '/api/files', body };
    default:
      body.append('hasOwnProperty', '1');
      return { path: '/api/services/words/jobs', body };
  }
}

describe('damson start (separate processes) keeps the scheduler and agent up while the server keeps dying', () => {
  let home: DamsonHome;
  let damson: RunningDamson;
  let api: ApiClient;
  let schedulerPid: number;
  let agentPid: number;
  let leftover: string;

  beforeAll(async () => {
    home = await makeDamsonHome({
      'supervisor.restart-delay': RESTART_DELAY_MS,
      'supervisor.max-restart-delay': MAX_RESTART_DELAY_MS,
      'supervisor.processes': 'separate',
    });
    // What a kill -9 in the middle of an upload leaves behind: a partial file with no record.
    const uploads = path.join(home.home, 'media/uploads');
    mkdirSync(uploads, { recursive: true });
    leftover = path.join(uploads, '.partial-killedmidupload');
    writeFileSync(leftover, 'half an upload');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(leftover, hourAgo, hourAgo);
    damson = await startDamson(home);
    api = new ApiClient(home.baseUrl);
    schedulerPid = pidOfRole(damson.process.pid!, 'scheduler')!;
    agentPid = pidOfRole(damson.process.pid!, 'agent')!;
    expect(schedulerPid).toEqual(expect.any(Number));
    expect(agentPid).toEqual(expect.any(Number));
  });

  afterAll(async () => {
    await damson?.stop();
  });

  const expectSiblingsUntouched = (): void => {
    expect(damson.process.exitCode).toBeNull();
    expect(pidOfRole(damson.process.pid!, 'scheduler')).toBe(schedulerPid);
    expect(pidOfRole(damson.process.pid!, 'agent')).toBe(agentPid);
    expect(isAlive(schedulerPid)).toBe(true);
    expect(isAlive(agentPid)).toBe(true);
  };

  const expectJobCompletes = async (): Promise<void> => {
    const submitted = await api.submit('words', new URLSearchParams([['words', 'still-here']]));
    expect(submitted.status).toBe(202);
    const done = await api.waitForState(submitted.body.id, FINISHED, 30_000);
    expect(done.status).toBe('COMPLETED');
  };

  it('removes a partial upload left by an earlier crash when the scheduler starts', async () => {
    await waitFor(async () => (existsSync(leftover) ? undefined : true), 'the orphan sweep');
  });

  it('restarts the server after each of 12 kill -9 with a growing, capped backoff', async () => {
    const delays: number[] = [];
    for (let kill = 1; kill <= 12; kill++) {
      const serverPid = pidOfRole(damson.process.pid!, 'server');
      expect(serverPid).toEqual(expect.any(Number));
      const killedAt = Date.now();
      process.kill(serverPid!, 'SIGKILL');
      await waitFor(
        async () => {
          if (damson.process.exitCode !== null) throw new Error('damson exited');
          const pid = pidOfRole(damson.process.pid!, 'server');
          return pid !== undefined && pid !== serverPid ? serves(home) : undefined;
        },
        `the server to serve again after kill ${kill}`,
        MAX_RESTART_DELAY_MS + STARTUP_ALLOWANCE_MS,
      );
      const servedAfterMs = Date.now() - killedAt;
      expectSiblingsUntouched();
      // The supervisor said what it did, and the server came back within the backoff it announced.
      const exit = exitLines(damson.output()).find((l) => l.pid === serverPid);
      expect(exit).toMatchObject({ child: 'server', signal: 'SIGKILL', code: null });
      delays.push(exit!.restartInMs);
      expect(servedAfterMs).toBeGreaterThanOrEqual(exit!.restartInMs);
      expect(servedAfterMs).toBeLessThanOrEqual(exit!.restartInMs + STARTUP_ALLOWANCE_MS);
    }
    // Kills in a row, none after a stable run: the delay doubles, then stays at the cap.
    expect(delays).toEqual([200, 400, 800, 1600, ...Array<number>(8).fill(MAX_RESTART_DELAY_MS)]);
    await expectJobCompletes();
  });

  it('survives 100 crashing-style requests in a minute, then serves and runs a job', async () => {
    const started = Date.now();
    const statuses: number[] = [];
    let refused = 0;
    for (let i = 0; i < 100; i++) {
      const { path, body } = crashingRequest(i);
      try {
        const res = await fetch(`${home.baseUrl}${path}`, {
          method: 'POST',
          body,
          signal: AbortSignal.timeout(5_000),
        });
        statuses.push(res.status);
        await res.arrayBuffer();
      } catch {
        // A reset or refused connection: the request killed the server, which must never happen.
        refused++;
      }
      // Paced so the hundred requests fit in a minute whatever the server does.
      const next = started + (i + 1) * 450;
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    }
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(refused).toBe(0);
    expect(statuses).toHaveLength(100);
    // A request that gets an answer never gets a 5xx; the part names are the client's mistake.
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expectSiblingsUntouched();
    await waitFor(
      async () => serves(home),
      'the server to serve again',
      MAX_RESTART_DELAY_MS + STARTUP_ALLOWANCE_MS,
    );
    expectSiblingsUntouched();
    await expectJobCompletes();
  });
});

describe('damson start (combined process) loses nothing when its one child is killed', () => {
  let home: DamsonHome;
  let damson: RunningDamson;

  beforeAll(async () => {
    home = await makeDamsonHome({
      'supervisor.restart-delay': RESTART_DELAY_MS,
      'supervisor.max-restart-delay': MAX_RESTART_DELAY_MS,
      'supervisor.processes': 'combined',
    });
    damson = await startDamson(home);
  });

  afterAll(async () => {
    await damson?.stop();
  });

  it('restarts it; a job running through the kill completes, and new jobs run', async () => {
    const api = new ApiClient(home.baseUrl);
    const children = childPids(damson.process.pid!);
    expect(children).toHaveLength(1);
    const [combined] = children;
    const running = await api.submit('sleep', new URLSearchParams([['seconds', '3']]));
    expect(running.status).toBe(202);
    await api.waitForState(running.body.id, ['RUNNING'], 15_000);
    process.kill(combined, 'SIGKILL');
    await waitFor(
      async () => {
        const now = childPids(damson.process.pid!);
        return now.length === 1 && now[0] !== combined
          ? serves(home).catch(() => undefined)
          : undefined;
      },
      'the combined child to serve again',
      MAX_RESTART_DELAY_MS + STARTUP_ALLOWANCE_MS,
    );
    const exit = exitLines(damson.output()).find((l) => l.pid === combined);
    expect(exit).toMatchObject({ child: 'combined', signal: 'SIGKILL', code: null });
    // The tool outlived its agent: the restarted agent adopts it (or the scheduler retries it).
    const done = await api.waitForState(running.body.id, FINISHED, 30_000);
    expect(done.status).toBe('COMPLETED');
    const next = await api.submit('words', new URLSearchParams([['words', 'after']]));
    expect((await api.waitForState(next.body.id, FINISHED, 30_000)).status).toBe('COMPLETED');
  });
});
