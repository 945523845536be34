import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { newJobId } from '../../src/jobs';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';
import { ApiClient, FINISHED, type JobBody } from '../helpers/api-client';
import { makeDamsonHome, REPO_ROOT, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(120_000);

const run = promisify(execFile);
/** The package's `damson` bin, which runs `damson admin` without loading the server. */
const ENTRY_BIN = path.join(REPO_ROOT, 'dist/src/bin/damson-entry.js');
const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const PLAIN_TOKEN = 'plain-token-0123456789abcdef';
const AGENT = `local@${hostname()}`;
const HEARTBEAT_MS = 200;
/** How long a held job is watched staying PENDING: many heartbeats and scheduler ticks. */
const HELD_MS = 6 * HEARTBEAT_MS;
const BULK_JOBS = 1000;
/** Of the bulk-cancelled jobs, how many are submitted through the API. */
const SUBMITTED_JOBS = 20;

let home: DamsonHome;
let damson: RunningDamson;
let api: ApiClient;

/** `damson admin …` as an administrator runs it: the URL and token from the environment. */
async function admin(
  args: string[],
  token = ADMIN_TOKEN,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [ENTRY_BIN, 'admin', ...args], {
      env: { ...process.env, DAMSON_URL: home.baseUrl, DAMSON_TOKEN: token },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The admin API over HTTP, with a token or none. */
function adminApi<T = Record<string, unknown>>(
  method: string,
  route: string,
  token: string | null = ADMIN_TOKEN,
) {
  return api.json<T>(`/api/admin/${route}`, {
    method,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

const submitSleep = async (seconds: number): Promise<string> => {
  const res = await api.submit('sleep', new URLSearchParams([['seconds', String(seconds)]]));
  expect(res.status).toBe(202);
  return res.body.id;
};

/** The job stays PENDING for HELD_MS (checked all along), and says why. */
async function staysHeld(id: string, reason?: RegExp): Promise<void> {
  const until = Date.now() + HELD_MS;
  while (Date.now() < until) {
    const job = await api.job(id);
    expect(job.status).toBe('PENDING');
    await new Promise((r) => setTimeout(r, 100));
  }
  if (reason) expect(((await api.job(id)) as JobBody & { reason?: string }).reason).toMatch(reason);
}

interface AgentView {
  name: string;
  kinds: string[];
  state: string;
  slots: number;
  busy: number;
  free: number;
  jobs: string[];
  lastHeard: string;
}

const agents = async (): Promise<AgentView[]> =>
  (await adminApi<{ agents: AgentView[] }>('GET', 'agents')).body.agents;

beforeAll(async () => {
  home = await makeDamsonHome({
    'scheduler.heartbeat-interval': HEARTBEAT_MS,
    'scheduler.poll-interval': 50,
    'local-agent.slots': 2,
    'log.level': 'info',
  });
  appendFileSync(
    path.join(home.home, 'settings.yaml'),
    `api.tokens: ${JSON.stringify([
      { name: 'ops-alice', token: ADMIN_TOKEN, scopes: ['admin'] },
      { name: 'plain', token: PLAIN_TOKEN },
    ])}\n`,
  );
  damson = await startDamson(home);
  api = new ApiClient(home.baseUrl);
});

afterAll(async () => {
  await damson?.stop();
});

describe('the admin API refuses', () => {
  const routes: [string, string][] = [
    ['GET', 'agents'],
    ['GET', 'pauses'],
    ['POST', 'services/sleep/pause'],
    ['POST', 'runners/local/resume'],
    ['POST', `agents/${encodeURIComponent(AGENT)}/drain`],
    ['POST', 'jobs/cancel?service=sleep&dry-run=true'],
  ];

  test.each(routes)(
    '%s %s without a token (401) or without the admin scope (403)',
    async (m, r) => {
      const anonymous = await adminApi(m, r, null);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toMatchObject({ error: { code: 'token_required' } });
      const plain = await adminApi(m, r, PLAIN_TOKEN);
      expect(plain.status).toBe(403);
      expect(plain.body).toMatchObject({ error: { code: 'scope_required', scope: 'admin' } });
      const unknown = await adminApi(m, r, 'not-a-configured-token-at-all');
      expect(unknown.status).toBe(401);
    },
  );

  test.each([
    ['status=COMPLETED', 'status'],
    ['status=BOGUS', 'status'],
    ['before=yesterday', 'before'],
    ['after=2026-13-45', 'after'],
    ['after=2026-02-01&before=2026-01-01', 'after'],
    ['servce=sleep', 'servce'],
    ['service=..%2Fetc', 'service'],
    ['service=sleep&service=words', 'service'],
    ['service=sleep&limit=0', 'limit'],
    ['service=sleep&limit=999999', 'limit'],
    ['service=sleep&dry-run=maybe', 'dry-run'],
    [`status=${'PENDING,'.repeat(100)}`, 'status'],
    [`service=${'s'.repeat(5000)}`, 'service'],
    ['', 'filter'],
  ])('bad bulk cancel filter #%# names the field in a 400', async (query, field) => {
    const res = await adminApi<{ error: { parameter: string; message: string } }>(
      'POST',
      `jobs/cancel?${query}`,
    );
    expect(res.status).toBe(400);
    expect(res.body.error.parameter).toBe(field);
    expect(JSON.stringify(res.body).length).toBeLessThan(1000);
  });

  test('unknown targets: a service (404), a runner kind (400), an agent (404), a huge reason', async () => {
    expect((await adminApi('POST', 'services/nope/pause')).status).toBe(404);
    const kind = await adminApi<{ error: { parameter: string } }>(
      'POST',
      'runners/constructor/pause',
    );
    expect(kind.status).toBe(400);
    expect(kind.body.error.parameter).toBe('runner');
    expect((await adminApi('POST', 'agents/nobody/drain')).status).toBe(404);
    expect((await adminApi('DELETE', 'agents/nobody/drain')).status).toBe(404);
    const long = await adminApi<{ error: { parameter: string } }>(
      'POST',
      `services/sleep/pause?reason=${'x'.repeat(300)}`,
    );
    expect(long.status).toBe(400);
    expect(long.body.error.parameter).toBe('reason');
    expect((await adminApi('GET', 'pauses')).body).toEqual({ pauses: [] });
  });

  test('the CLI exits 3 with the server message for a token without the scope', async () => {
    const result = await admin(['agents'], PLAIN_TOKEN);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/admin' scope/);
    expect((await admin(['pause'])).code).toBe(2);
  });
});

test('the agents list names each agent, its kinds, slots, jobs and when it was last heard', async () => {
  const [agent] = await waitFor(async () => {
    const list = await agents();
    return list.length ? list : undefined;
  }, 'the scheduler to publish its agent');
  expect(agent).toMatchObject({ name: AGENT, kinds: ['local'], state: 'active', slots: 2 });
  expect(agent.busy + agent.free).toBe(2);
  expect(Date.now() - Date.parse(`${agent.lastHeard}Z`)).toBeLessThan(10_000);
  const table = await admin(['agents']);
  expect(table.code).toBe(0);
  expect(table.stdout).toContain(AGENT);
});

test('a paused service or runner holds its jobs PENDING with a reason; resume runs them', async () => {
  const paused = await admin(['pause', '--service', 'sleep', '--reason', 'disk swap']);
  expect(paused).toMatchObject({ code: 0, stdout: 'service sleep paused\n' });
  const held = await submitSleep(0.05);
  // Another service runs meanwhile.
  const words = await api.submit('words', new URLSearchParams([['words', 'hi']]));
  expect((await api.waitForState(words.body.id, FINISHED)).status).toBe('COMPLETED');
  await staysHeld(held, /service 'sleep' is paused by an administrator: disk swap/);
  const listed = await adminApi<{ pauses: Record<string, unknown>[] }>('GET', 'pauses');
  expect(listed.body.pauses).toEqual([
    expect.objectContaining({ kind: 'service', name: 'sleep', pausedBy: 'ops-alice' }),
  ]);
  expect((await adminApi('POST', 'services/sleep/resume')).status).toBe(200);
  expect((await api.waitForState(held, FINISHED)).status).toBe('COMPLETED');

  expect((await adminApi('POST', 'runners/local/pause')).status).toBe(201);
  const onRunner = await api.submit('words', new URLSearchParams([['words', 'held']]));
  await staysHeld(onRunner.body.id, /the local runner is paused/);
  expect((await adminApi('POST', 'runners/local/resume')).status).toBe(200);
  const done = await api.waitForState(onRunner.body.id, FINISHED);
  expect(done.status).toBe('COMPLETED');
  expect((done as JobBody & { reason?: string }).reason).toBeUndefined();
  // Each action is logged with the token that did it.
  for (const action of ['pause', 'resume'])
    expect(damson.output()).toMatch(
      new RegExp(`"admin":"ops-alice","action":"${action}","kind":"service","name":"sleep"`),
    );
});

test('a drained agent finishes its running job, takes no new one, then says drained', async () => {
  const running = await submitSleep(1.5);
  await api.waitForState(running, ['RUNNING']);
  expect((await admin(['drain', AGENT])).code).toBe(0);
  const waiting = await submitSleep(0.05);
  const [agent] = await agents();
  expect(agent.state).toBe('draining');
  expect((await api.waitForState(running, FINISHED)).status).toBe('COMPLETED');
  await waitFor(
    async () => ((await agents())[0].state === 'drained' ? true : undefined),
    'the agent to say drained',
  );
  await staysHeld(waiting);
  expect((await agents())[0]).toMatchObject({ state: 'drained', busy: 0, jobs: [] });
  expect(damson.output()).toContain('agent drained');
  expect((await admin(['undrain', AGENT])).code).toBe(0);
  expect((await api.waitForState(waiting, FINISHED)).status).toBe('COMPLETED');
  expect((await agents())[0].state).toBe('active');
});

test(`a bulk cancel of ${BULK_JOBS} jobs ends each DELETED or INTERRUPTED`, async () => {
  const started = Date.now();
  // Whatever an earlier test left (a failed one may not have undrained).
  await adminApi('DELETE', `agents/${encodeURIComponent(AGENT)}/drain`);
  // Two run (and are interrupted); the rest wait behind a pause.
  const runningIds = [await submitSleep(60), await submitSleep(60)];
  for (const id of runningIds) await api.waitForState(id, ['RUNNING']);
  expect((await adminApi('POST', 'services/sleep/pause')).status).toBe(201);
  // A few wait through the API; the rest are written to the store file the processes share, as
  // the server would record them (a thousand HTTP submissions would cost this test most of its time).
  const waitingIds: string[] = [];
  for (let i = 0; i < SUBMITTED_JOBS; i++) waitingIds.push(await submitSleep(0.01));
  const store = new SqliteJobStore(path.join(home.home, 'data', 'damson.sqlite'));
  try {
    for (let i = waitingIds.length + 2; i < BULK_JOBS; i++) {
      const id = newJobId();
      await store.insertJob({
        id,
        service: 'sleep',
        inputs: { seconds: '0.01' },
        parameters: { seconds: '0.01' },
        workDir: `${id.slice(0, 2)}/${id.slice(2)}`,
      });
      waitingIds.push(id);
    }
  } finally {
    await store.close();
  }
  const ids = [...runningIds, ...waitingIds];
  const submittedMs = Date.now() - started;
  // A job of another service, submitted in the same window, is left alone.
  const other = await api.submit('words', new URLSearchParams([['words', 'kept']]));

  const dry = await admin(['cancel', '--service', 'sleep']);
  expect(dry).toMatchObject({
    code: 0,
    stdout: `${BULK_JOBS} jobs match; run again with --yes to cancel them\n`,
  });
  const cancelled = await admin(['cancel', '--service', 'sleep', '--yes', '--json']);
  expect(cancelled.code).toBe(0);
  expect(JSON.parse(cancelled.stdout)).toMatchObject({
    matched: BULK_JOBS,
    deleted: BULK_JOBS - 2,
    cancelling: 2,
    more: false,
  });
  const cancelledMs = Date.now() - started;
  const states = new Map<string, string>();
  await waitFor(async () => {
    states.clear();
    let cursor: string | null = null;
    do {
      const page: { body: { jobs: JobBody[]; nextCursor: string | null } } = await api.json(
        `/api/jobs?service=sleep&limit=500${cursor ? `&cursor=${cursor}` : ''}`,
        { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } },
      );
      for (const job of page.body.jobs) states.set(job.id, job.status);
      cursor = page.body.nextCursor;
    } while (cursor);
    return ids.every((id) => ['DELETED', 'INTERRUPTED'].includes(states.get(id) ?? ''))
      ? true
      : undefined;
  }, 'every cancelled job to end');
  expect(runningIds.map((id) => states.get(id))).toEqual(['INTERRUPTED', 'INTERRUPTED']);
  expect(waitingIds.every((id) => states.get(id) === 'DELETED')).toBe(true);
  expect(damson.output()).toMatch(/"admin":"ops-alice","action":"cancel-jobs","dryRun":false/);
  expect((await adminApi('POST', 'services/sleep/resume')).status).toBe(200);
  expect((await api.waitForState(other.body.id, FINISHED)).status).toBe('COMPLETED');
  process.stderr.write(
    `bulk cancel of ${BULK_JOBS} jobs: submitted ${submittedMs} ms, cancelled ${cancelledMs} ms, ` +
      `all ended ${Date.now() - started} ms\n`,
  );
});
