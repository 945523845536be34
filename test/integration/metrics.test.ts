import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { DAMSON_BIN, startDamson, type RunningDamson } from '../helpers/damson-process';
import { freePort } from '../helpers/free-port';
import { allLabelValues, sampleValue, scrape } from '../helpers/prometheus';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(60_000);

/**
 * One process tree for the file: a server, a scheduler and a local agent started apart (so the
 * scheduler can be stopped alone), each with its metrics endpoint; the SQLite store.
 */
let home: DamsonHome;
let server: RunningDamson;
let scheduler: Child;
let agent: Child;
let schedulerMetrics: string;
let agentMetrics: string;

interface Child {
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

function spawnDamson(args: string[]): Child {
  const child = spawn(process.execPath, [DAMSON_BIN, ...args], {
    env: { ...process.env, DAMSON_HOME: home.home, SLIVKA_HOME: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function readyz(base: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function submit(seconds: string): Promise<string> {
  const res = await fetch(`${home.baseUrl}/api/services/sleep/jobs`, {
    method: 'POST',
    body: new URLSearchParams({ seconds }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

beforeAll(async () => {
  const [schedulerPort, agentPort] = [await freePort(), await freePort()];
  schedulerMetrics = `http://127.0.0.1:${schedulerPort}`;
  agentMetrics = `http://127.0.0.1:${agentPort}`;
  home = await makeDamsonHome({
    'metrics.scheduler-address': `127.0.0.1:${schedulerPort}`,
    'metrics.job-counts-interval': 1000,
    'log.level': 'warn',
  });
  execFileSync(process.execPath, [DAMSON_BIN, 'keys'], {
    env: { ...process.env, DAMSON_HOME: home.home, SLIVKA_HOME: '' },
  });
  scheduler = spawnDamson(['scheduler']);
  agent = spawnDamson(['agent', '--metrics-address', `127.0.0.1:${agentPort}`]);
  server = await startDamson(home, ['server']);
  await waitFor(
    async () => ((await readyz(home.baseUrl)).status === 200 ? true : undefined),
    'the server to be ready (a scheduler heard from)',
    20_000,
  );
});

afterAll(async () => {
  await server?.stop();
  await scheduler?.stop();
  await agent?.stop();
  if (home) rmSync(home.home, { recursive: true, force: true });
});

it('counts a known workload: N submissions, N completed, N run times, N dispatches', async () => {
  const labels = { service: 'sleep' };
  const serverBefore = await scrape(`${home.baseUrl}/metrics`);
  const schedulerBefore = await scrape(`${schedulerMetrics}/metrics`);
  const n = 4;
  const ids = await Promise.all(Array.from({ length: n }, () => submit('0.2')));
  await waitFor(
    async () => {
      const states = await Promise.all(
        ids.map(
          async (id) =>
            ((await (await fetch(`${home.baseUrl}/api/jobs/${id}`)).json()) as { status: string })
              .status,
        ),
      );
      return states.every((s) => s === 'COMPLETED') ? true : undefined;
    },
    'the jobs to complete',
    30_000,
    100,
  );
  const serverAfter = await scrape(`${home.baseUrl}/metrics`);
  const delta = (
    before: typeof serverAfter,
    after: typeof serverAfter,
    name: string,
    l: Record<string, string> = labels,
  ) => sampleValue(after, name, l) - sampleValue(before, name, l);
  expect(delta(serverBefore, serverAfter, 'damson_submissions_total')).toBe(n);
  expect(serverAfter.get('damson_submissions_total')?.type).toBe('COUNTER');
  // Status GETs answered by the lean route are labelled with its pattern.
  expect(
    sampleValue(serverAfter, 'damson_http_requests_total', {
      route: '/api/jobs/:jid',
      status: '200',
    }),
  ).toBeGreaterThanOrEqual(n);
  expect(
    sampleValue(serverAfter, 'damson_http_request_duration_seconds_count', {
      route: '/api/services/:sid/jobs',
      method: 'POST',
    }),
  ).toBeGreaterThanOrEqual(n);
  expect(
    sampleValue(serverAfter, 'damson_store_operation_seconds_count', { operation: 'getJob' }),
  ).toBeGreaterThan(0);

  // The job gauge is re-read at most once a second (metrics.job-counts-interval).
  const schedulerAfter = await waitFor(
    async () => {
      const now = await scrape(`${schedulerMetrics}/metrics`);
      return delta(schedulerBefore, now, 'damson_jobs', { ...labels, state: 'COMPLETED' }) === n
        ? now
        : undefined;
    },
    'the completed gauge to rise by N',
    10_000,
    200,
  );
  expect(schedulerAfter.get('damson_jobs')?.type).toBe('GAUGE');
  const byRunner = { ...labels, runner: 'default' };
  expect(delta(schedulerBefore, schedulerAfter, 'damson_run_seconds_count', byRunner)).toBe(n);
  expect(delta(schedulerBefore, schedulerAfter, 'damson_queue_wait_seconds_count', byRunner)).toBe(
    n,
  );
  expect(delta(schedulerBefore, schedulerAfter, 'damson_dispatches_total', byRunner)).toBe(n);
  expect(
    delta(schedulerBefore, schedulerAfter, 'damson_jobs_finished_total', {
      ...labels,
      state: 'COMPLETED',
    }),
  ).toBe(n);
  // Each run slept 0.2 s: the sum of run times says so.
  expect(
    delta(schedulerBefore, schedulerAfter, 'damson_run_seconds_sum', byRunner),
  ).toBeGreaterThanOrEqual(0.2 * n);
  // A finished job's slot is freed once the agent has heard its end was recorded: a moment later.
  await waitFor(
    async () => {
      const agentSlots = await scrape(`${agentMetrics}/metrics`);
      const seen = await scrape(`${schedulerMetrics}/metrics`);
      return sampleValue(agentSlots, 'damson_agent_slots', { kind: 'local', state: 'free' }) ===
        4 &&
        sampleValue(agentSlots, 'damson_agent_slots', { kind: 'local', state: 'busy' }) === 0 &&
        sampleValue(seen, 'damson_agent_slots', { state: 'free' }) === 4
        ? true
        : undefined;
    },
    'every slot free again, as the agent and the scheduler see it',
    10_000,
    200,
  );
});

it('never makes a label of a path, a job id or a service a client invented', async () => {
  const junk = `zq${Date.now().toString(36)}`;
  for (let i = 0; i < 3; i++) {
    await fetch(`${home.baseUrl}/api/services/${junk}${i}/jobs`, {
      method: 'POST',
      body: new URLSearchParams({ x: '1' }),
    });
    await fetch(`${home.baseUrl}/api/jobs/${junk}${i}`);
    await fetch(`${home.baseUrl}/api/${junk}${i}/deeper`);
    await fetch(`${home.baseUrl}/${junk}${i}.html`);
    await fetch(`${home.baseUrl}/api/services/sleep%2F..%2F${junk}/jobs`, { method: 'POST' });
    await fetch(`${home.baseUrl}/api/jobs/${junk}${i}?wait=0.01`);
  }
  // A known service with a bad form: a rejection of that service, labelled with its status.
  const before = await scrape(`${home.baseUrl}/metrics`);
  const bad = await fetch(`${home.baseUrl}/api/services/sleep/jobs`, {
    method: 'POST',
    body: new URLSearchParams({ seconds: 'not a number' }),
  });
  expect(bad.status).toBe(422);
  const after = await scrape(`${home.baseUrl}/metrics`);
  expect(
    sampleValue(after, 'damson_submission_rejections_total', { service: 'sleep', status: '422' }) -
      sampleValue(before, 'damson_submission_rejections_total', {
        service: 'sleep',
        status: '422',
      }),
  ).toBe(1);
  const values = allLabelValues(after);
  expect(values.filter((v) => v.includes(junk))).toEqual([]);
  const routes = new Set(
    after.get('damson_http_requests_total')?.metrics.map((s) => s.labels?.route),
  );
  expect(
    [...routes].every(
      (r) =>
        r === 'unmatched' ||
        r === 'static' ||
        r === 'media' ||
        r === 'api-other' ||
        r?.startsWith('/'),
    ),
  ).toBe(true);
  // Streams opened and closed: the open gauge is back to zero.
  expect(sampleValue(after, 'damson_http_open_streams', { kind: 'long-poll' })).toBe(0);
});

it('keeps /metrics from proxied and remote-looking requests, and health outside the API', async () => {
  const proxied = await fetch(`${home.baseUrl}/metrics`, {
    headers: { 'X-Forwarded-For': '203.0.113.9' },
  });
  expect(proxied.status).toBe(404);
  expect((await fetch(`${home.baseUrl}/healthz`)).status).toBe(200);
  expect((await fetch(`${home.baseUrl}/api/healthz`)).status).toBe(404);
  expect((await fetch(`${schedulerMetrics}/healthz`)).status).toBe(200);
  expect((await readyz(schedulerMetrics)).status).toBe(200);
  expect((await fetch(`${schedulerMetrics}/metrics`, { method: 'POST' })).status).toBe(405);
  expect((await fetch(`${agentMetrics}/healthz`)).status).toBe(200);
});

it('reports not ready within 5 s of the scheduler stopping, and ready once it is back', async () => {
  await scheduler.stop();
  const stoppedAt = Date.now();
  const notReady = await waitFor(
    async () => {
      const state = await readyz(home.baseUrl);
      return state.status === 503 ? state : undefined;
    },
    'the server to report not ready',
    5_000,
    100,
  );
  expect(Date.now() - stoppedAt).toBeLessThan(5_000);
  expect(notReady.body.status).toBe('not ready');
  expect(Object.keys(notReady.body.reasons as object)).toEqual(['scheduler']);
  scheduler = spawnDamson(['scheduler']);
  await waitFor(
    async () => ((await readyz(home.baseUrl)).status === 200 ? true : undefined),
    'the server to be ready again',
    20_000,
    100,
  );
});
