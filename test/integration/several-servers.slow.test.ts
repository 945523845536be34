import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../src/config/load-settings';
import { renderNginxConf } from '../../src/init/nginx-conf';
import { ApiClient, FINISHED, type JobBody } from '../helpers/api-client';
import { makeDamsonHome, REPO_ROOT, type DamsonHome } from '../helpers/damson-home';
import { DAMSON_BIN } from '../helpers/damson-process';
import { freePort } from '../helpers/free-port';
import { openSse } from '../helpers/sse-client';
import { waitFor } from '../helpers/wait-for';

// Slow: 200 real jobs through nginx, two servers, a scheduler and an agent (about 30 s here).
const NGINX_SCRIPT = path.join(REPO_ROOT, 'scripts/nginx.sh');
const withNginx = existsSync('/usr/sbin/nginx');
if (!withNginx && process.env.CI)
  throw new Error('nginx is required in CI (scripts/ci-deps.sh installs it)');

jest.setTimeout(120_000);

const JOBS = 200;
const CLIENTS = 8;

interface Proc {
  child: ChildProcess;
  output: () => string;
}

function spawnDamson(home: DamsonHome, args: string[]): Proc {
  const child = spawn(process.execPath, [DAMSON_BIN, ...args], {
    env: { ...process.env, DAMSON_HOME: home.home, SLIVKA_HOME: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

async function stopProc(proc: Proc | undefined): Promise<void> {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.child.once('exit', resolve));
  proc.child.kill('SIGTERM');
  await exited;
}

/** Two `damson server`s behind nginx (round robin), one scheduler, one agent, one SQLite store. */
(withNginx ? describe : describe.skip)('several servers behind nginx', () => {
  let home: DamsonHome;
  let runDir: string;
  let portB: number;
  let viaNginx: ApiClient;
  let serverA: ApiClient;
  let serverB: ApiClient;
  const procs: Record<string, Proc> = {};
  const nginx = (...args: string[]): string =>
    execFileSync('bash', [NGINX_SCRIPT, ...args], {
      env: { ...process.env, DAMSON_RUN: runDir },
      encoding: 'utf8',
    });

  beforeAll(async () => {
    home = await makeDamsonHome({
      'server.media': 'proxy',
      'local-agent.slots': 8,
      'api.list-jobs': 'anyone',
    });
    runDir = path.join(home.home, 'run');
    portB = await freePort();
    execFileSync(process.execPath, [DAMSON_BIN, 'keys'], {
      env: { ...process.env, DAMSON_HOME: home.home },
    });
    procs.scheduler = spawnDamson(home, ['scheduler']);
    procs.agent = spawnDamson(home, ['agent', '--kind', 'local']);
    procs.a = spawnDamson(home, ['server', '--listen', `127.0.0.1:${home.port}`]);
    procs.b = spawnDamson(home, ['server', '--listen', `127.0.0.1:${portB}`]);
    serverA = new ApiClient(home.baseUrl);
    serverB = new ApiClient(`http://127.0.0.1:${portB}`);
    const nginxPort = await freePort();
    const conf = path.join(home.home, 'nginx.conf');
    writeFileSync(
      conf,
      renderNginxConf(loadSettings({ DAMSON_HOME: home.home }), {
        listen: `127.0.0.1:${nginxPort}`,
        user: userInfo().username,
        moreServers: [`127.0.0.1:${portB}`],
      }),
    );
    nginx('start', conf, 'several');
    viaNginx = new ApiClient(`http://127.0.0.1:${nginxPort}`);
    for (const api of [serverA, serverB])
      await waitFor(
        async () => (await fetch(`${api.baseUrl}/api/version`)).ok || undefined,
        `${api.baseUrl} to answer`,
        30_000,
      );
  });

  afterAll(async () => {
    if (runDir) nginx('stop', 'several');
    await Promise.all(Object.values(procs).map(stopProc));
    if (home) rmSync(home.home, { recursive: true, force: true });
  });

  it('answers long-polls, event streams and listings alike on either server', async () => {
    const submitted = await serverA.submit('sleep', new URLSearchParams({ seconds: '1' }));
    expect(submitted.status).toBe(202);
    const id = submitted.body.id;
    const seen = (await serverB.job(id)).status;
    // Submitted on A; watched on B, by event stream and long-poll, and long-polled on A.
    const stream = openSse(`${serverB.baseUrl}/api/jobs/${id}/events`);
    const polls = [serverA, serverB].map(async (api) => {
      let status = seen;
      while (!FINISHED.includes(status)) {
        const res = await api.json<JobBody>(`/api/jobs/${id}?wait=20&status=${status}`);
        expect(res.status).toBe(200);
        status = res.body.status;
      }
      return status;
    });
    expect(await Promise.all(polls)).toEqual(['COMPLETED', 'COMPLETED']);
    expect(await stream.status).toBe(200);
    await stream.ended;
    const last = JSON.parse(stream.events[stream.events.length - 1].data) as JobBody;
    expect(last.status).toBe('COMPLETED');
    const [listA, listB] = await Promise.all(
      [serverA, serverB].map((api) => api.json('/api/jobs?limit=10')),
    );
    expect(listA.status).toBe(200);
    expect(listB.body).toEqual(listA.body);
  });

  it('loses nothing a client was told when one server is killed halfway', async () => {
    const runId = randomBytes(4).toString('hex');
    /** Every id a 202 named, per job number: one each, or a retry made a second job. */
    const told = new Map<number, Set<string>>();
    let accepted = 0;
    let retried = 0;
    let killedAt = -1;
    const submitOne = async (n: number): Promise<void> => {
      for (let attempt = 0; attempt < 20; attempt++) {
        const body = new FormData();
        body.append('input', new Blob([`line-${n}\nnot this one\n`]), 'in.txt');
        body.append('lines', '1');
        let res: Response;
        try {
          res = await fetch(`${viaNginx.baseUrl}/api/services/head/jobs`, {
            method: 'POST',
            body,
            // A careful client: the same key on every retry, so a retry never makes a second job.
            headers: { 'Idempotency-Key': `several-${runId}-${n}` },
          });
        } catch {
          retried++;
          continue;
        }
        if (res.status === 202) {
          const job = (await res.json()) as JobBody;
          told.set(n, (told.get(n) ?? new Set()).add(job.id));
          if (++accepted === JOBS / 2) {
            killedAt = accepted;
            procs.b.child.kill('SIGKILL');
          }
          return;
        }
        // nginx's 502 for the request the dying server held; nothing was promised.
        expect([502, 503, 504]).toContain(res.status);
        await res.arrayBuffer();
        retried++;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`job ${n}: no 202 after 20 attempts`);
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < JOBS) await submitOne(next++);
      }),
    );
    expect(killedAt).toBe(JOBS / 2);
    expect(told.size).toBe(JOBS);
    for (const [n, ids] of told) expect({ n, ids: ids.size }).toEqual({ n, ids: 1 });

    // Every job a 202 named completes, through the surviving server.
    const ids = new Map([...told].map(([n, set]) => [[...set][0], n]));
    const pending = new Set(ids.keys());
    await waitFor(
      async () => {
        for (const id of [...pending]) {
          const job = await viaNginx.job(id);
          if (FINISHED.includes(job.status)) {
            expect({ id, status: job.status }).toEqual({ id, status: 'COMPLETED' });
            pending.delete(id);
          }
        }
        return pending.size === 0 || undefined;
      },
      'every accepted job to complete',
      90_000,
      500,
    );

    // Each output is this job's own, and nginx read it from disk: the app answers 404 there.
    for (const [id, n] of ids) {
      const stdout = (await viaNginx.files(id)).find((file) => file.path === 'stdout')!;
      const res = await fetch(`${viaNginx.baseUrl}${stdout['@content']}`);
      expect({ id, status: res.status, text: await res.text() }).toEqual({
        id,
        status: 200,
        text: `line-${n}\n`,
      });
      expect(res.headers.get('etag')).not.toBeNull();
      if (n % 50 === 0)
        expect((await fetch(`${serverA.baseUrl}${stdout['@content']}`)).status).toBe(404);
    }

    // No retry made a job of its own: the store holds exactly the accepted jobs (and the sleep).
    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await viaNginx.json<{ jobs: JobBody[]; nextCursor: string | null }>(
        `/api/jobs?service=head&limit=500${query}`,
      );
      listed.push(...page.body.jobs.map((job) => job.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(listed.sort()).toEqual([...ids.keys()].sort());

    // nginx's log: both servers took submissions; outputs came from disk (no upstream).
    const access = readFileSync(path.join(runDir, 'several/logs/access.log'), 'utf8')
      .split('\n')
      .filter(Boolean);
    const posts = access.filter((line) => line.includes('"POST /api/services/head/jobs'));
    const upstreams = new Set(posts.map((line) => /upstream=(\S+)/.exec(line)?.[1]));
    expect(upstreams).toContain(`127.0.0.1:${home.port}`);
    expect(upstreams).toContain(`127.0.0.1:${portB}`);
    const outputs = access.filter((line) => line.includes('"GET /media/jobs/'));
    expect(outputs.length).toBeGreaterThanOrEqual(JOBS);
    for (const line of outputs) expect(line).toMatch(/ 200 .* upstream=-$/);
    process.stdout.write(
      `several-servers: ${JOBS} jobs, server B killed after ${killedAt} 202s, ${retried} retried requests\n`,
    );
  });
});
