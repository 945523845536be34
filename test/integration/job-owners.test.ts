import { mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/http/create-app';
import { startApiApp, type ApiApp } from '../helpers/api-app';
import { rawRequest, type RawResponse } from '../helpers/raw-http';

/**
 * Owners over HTTP, on the real app and store: who owns a submission (token, session cookie,
 * address), scoped listings, private jobs, caps on waiting jobs, and the hostile cases.
 */
const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef00';
const ADMIN = 'admin-token-0123456789abcdef';
const TOKENS = [
  { name: 'alice', token: ALICE, 'max-waiting': 3 },
  { name: 'bob', token: BOB },
  { name: 'ops', token: ADMIN, scopes: ['admin'] },
];
const SETTINGS = { 'api.tokens': TOKENS, 'api.list-jobs': 'anyone' };

type Headers = Record<string, string>;
const bearer = (token: string): Headers => ({ authorization: `Bearer ${token}` });

const apps: ApiApp[] = [];
async function app(extra: Record<string, unknown>): Promise<ApiApp> {
  const started = await startApiApp({ ...SETTINGS, ...extra });
  apps.push(started);
  return started;
}
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
});

function submit(a: ApiApp, headers: Headers = {}, base = a.baseUrl): Promise<RawResponse> {
  return rawRequest(
    `${base}/api/services/words/jobs`,
    'POST',
    { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    'words=a',
  );
}

async function submitted(a: ApiApp, headers: Headers = {}, base = a.baseUrl): Promise<string> {
  const res = await submit(a, headers, base);
  expect(res.status).toBe(202);
  return res.json<{ id: string }>().id;
}

async function listed(a: ApiApp, headers: Headers = {}, query = '', base = a.baseUrl) {
  const res = await rawRequest(`${base}/api/jobs?limit=500${query}`, 'GET', headers);
  expect(res.status).toBe(200);
  return res.json<{ jobs: { id: string; owner?: string }[] }>().jobs;
}

const ids = (jobs: { id: string }[]) => jobs.map((j) => j.id).sort();

/** A fresh portal session: the cookie the portal page sets. */
async function session(a: ApiApp): Promise<Headers> {
  const page = await rawRequest(`${a.baseUrl}/`, 'GET');
  const setCookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []);
  const cookie = setCookie.find((c) => c.startsWith('damson_session='));
  if (!cookie) throw new Error('the portal set no session cookie');
  return { cookie: cookie.split(';')[0] };
}

describe('job owners', () => {
  let a: ApiApp;
  let jobs: Record<'alice' | 'bob' | 'browser' | 'address', string[]>;
  let browser: Headers;

  beforeAll(async () => {
    a = await app({});
    browser = await session(a);
    jobs = { alice: [], bob: [], browser: [], address: [] };
    for (let i = 0; i < 2; i++) jobs.alice.push(await submitted(a, bearer(ALICE)));
    jobs.bob.push(await submitted(a, bearer(BOB)));
    jobs.browser.push(await submitted(a, browser));
    jobs.address.push(await submitted(a));
  });

  it('lists only the caller’s own jobs: two tokens, a browser session and an address', async () => {
    expect(ids(await listed(a, bearer(ALICE)))).toEqual([...jobs.alice].sort());
    expect(ids(await listed(a, bearer(BOB)))).toEqual(jobs.bob);
    expect(ids(await listed(a, browser))).toEqual(jobs.browser);
    // Same address as the browser, but without its cookie: not the browser's jobs.
    expect(ids(await listed(a))).toEqual(jobs.address);
    for (const headers of [bearer(ALICE), browser, {}])
      for (const job of await listed(a, headers)) expect(job).not.toHaveProperty('owner');
  });

  it('an admin lists everyone’s jobs with their owners, and one owner’s with owner=', async () => {
    const all = await listed(a, bearer(ADMIN));
    expect(ids(all)).toEqual(Object.values(jobs).flat().sort());
    const owners = new Set(all.map((j) => j.owner));
    expect(owners).toEqual(
      new Set([
        'token:alice',
        'token:bob',
        expect.stringMatching(/^session:/),
        'address:127.0.0.1',
      ]),
    );
    const alices = await listed(a, bearer(ADMIN), '&owner=token:alice');
    expect(ids(alices)).toEqual([...jobs.alice].sort());
  });

  it('refuses owner= without the admin scope: 403 with a token, 401 without', async () => {
    const bob = await rawRequest(`${a.baseUrl}/api/jobs?owner=token:alice`, 'GET', bearer(BOB));
    expect(bob.status).toBe(403);
    expect(bob.json()).toMatchObject({ error: { code: 'scope_required', parameter: 'owner' } });
    const anonymous = await rawRequest(`${a.baseUrl}/api/jobs?owner=token:alice`, 'GET', browser);
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).not.toContain(jobs.alice[0]);
  });

  it('keeps a job readable by anyone with its URL while jobs are not private, owner unshown', async () => {
    const res = await rawRequest(`${a.baseUrl}/api/jobs/${jobs.alice[0]}`, 'GET', bearer(BOB));
    expect(res.status).toBe(200);
    expect(res.json()).not.toHaveProperty('owner');
    expect(res.text).not.toContain('alice');
  });

  it('forged or tampered session cookies own nothing of anyone else', async () => {
    const value = browser.cookie.split('=')[1];
    const tampered = value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A');
    for (const cookie of [
      `damson_session=${tampered}`,
      `damson_session=${'A'.repeat(43)}`,
      `damson_session=../../${value}`,
      `damson_session=${value}x`,
      `damson_session=bad; damson_session=${value}`,
    ]) {
      const seen = ids(await listed(a, { cookie }));
      expect(seen).not.toContain(jobs.browser[0]);
      expect(seen.some((id) => jobs.alice.includes(id) || jobs.bob.includes(id))).toBe(false);
    }
  });

  it('sets the session cookie HttpOnly, SameSite=Lax and random; Secure over https', async () => {
    const first = await rawRequest(`${a.baseUrl}/`, 'GET');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(
      /^damson_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/,
    );
    expect((await session(a)).cookie).not.toBe((await session(a)).cookie);
    // Already has one: no new cookie.
    const again = await rawRequest(`${a.baseUrl}/`, 'GET', browser);
    expect(again.headers['set-cookie']).toBeUndefined();
    // Through a trusted proxy (loopback) that says the client used https.
    const https = await rawRequest(`${a.baseUrl}/`, 'GET', { 'x-forwarded-proto': 'https' });
    expect(String(https.headers['set-cookie'])).toMatch(/; Secure$/);
  });

  it('ignores X-Forwarded-For from a client that is not a trusted proxy', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (!external) {
      process.stderr.write(
        'no non-loopback IPv4 address here: the X-Forwarded-For case is not run\n',
      );
      return;
    }
    const server: Server = createApp(a.ctx).listen(0, external);
    await once(server, 'listening');
    const base = `http://${external}:${(server.address() as AddressInfo).port}`;
    try {
      const spoofed = await submitted(a, { 'x-forwarded-for': '198.51.100.7' }, base);
      // Another forged address, same real client: the same owner, who sees the job...
      const mine = await listed(a, { 'x-forwarded-for': '203.0.113.9' }, '', base);
      expect(ids(mine)).toEqual([spoofed]);
      // ...and it is owned by the real address, not the claimed one.
      expect((await a.store.getJob(spoofed))?.owner).toBe(`address:${external}`);
      // From loopback (a trusted proxy), X-Forwarded-For names the client: that address sees it not.
      expect(ids(await listed(a, { 'x-forwarded-for': '198.51.100.7' }))).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('over max-waiting a submission gets 429; a token may raise its own cap', async () => {
    const capped = await app({ 'api.owner-limits.max-waiting': 2 });
    for (let i = 0; i < 2; i++) await submitted(capped, bearer(BOB));
    const refused = await submit(capped, bearer(BOB));
    expect(refused.status).toBe(429);
    expect(refused.json()).toMatchObject({
      error: { code: 'too_many_waiting_jobs', maxWaiting: 2 },
    });
    expect(refused.headers['retry-after']).toBeDefined();
    expect(await listed(capped, bearer(BOB))).toHaveLength(2);
    // Others are not held back by bob's queue; alice's token allows 3.
    for (let i = 0; i < 3; i++) await submitted(capped, bearer(ALICE));
    expect((await submit(capped, bearer(ALICE))).status).toBe(429);
    await submitted(capped);
  });
});

describe('private jobs (api.private-jobs: true)', () => {
  let a: ApiApp;
  let job: string;
  let output: string;

  beforeAll(async () => {
    a = await app({ 'api.private-jobs': true });
    job = await submitted(a, bearer(ALICE));
    const stored = await a.store.getJob(job);
    const dir = path.join(a.settings.directories.jobs, stored!.workDir);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'output.txt'), 'secret words\n');
    output = `${a.settings.server.jobsPath}/${stored!.workDir}/output.txt`;
  });

  const routes = () => [
    ['GET', `/api/jobs/${job}`],
    ['GET', `/api/v1.1/jobs/${job}`],
    ['GET', `/api/services/words/jobs/${job}`],
    ['GET', `/api/jobs/${job}/events`],
    ['GET', `/api/jobs/${job}/files`],
    ['GET', `/api/jobs/${job}/files/output.txt`],
    ['GET', `/api/jobs/${job}/files/output.txt/events`],
    ['GET', `/api/jobs/${job}/command`],
    ['GET', `/api/jobs/${job}/deliveries`],
    ['POST', `/api/jobs/${job}/rerun`],
    ['GET', output],
    ['DELETE', `/api/jobs/${job}`],
  ];

  it('is 404 to other tokens and anonymous clients on every per-job route, as for no job', async () => {
    const missing = await rawRequest(`${a.baseUrl}/api/jobs/${'x'.repeat(job.length)}`, 'GET');
    for (const headers of [bearer(BOB), {}, await session(a)]) {
      for (const [method, route] of routes()) {
        const res = await rawRequest(`${a.baseUrl}${route}`, method, headers);
        expect([route, res.status]).toEqual([route, 404]);
        expect(res.text).not.toContain('secret');
        if (route.startsWith('/api/jobs/') && route.split('/').length === 4)
          expect(res.json<{ error: { code: string } }>().error.code).toBe(
            missing.json<{ error: { code: string } }>().error.code,
          );
      }
      expect(ids(await listed(a, headers))).not.toContain(job);
    }
    // The DELETE above was refused: the job is still waiting.
    expect((await a.store.getJob(job))?.state).toBe('PENDING');
  });

  it('refuses another owner’s private outputs as inputs (an unknown file)', async () => {
    const reuse = (token: string) =>
      rawRequest(
        `${a.baseUrl}/api/services/head/jobs`,
        'POST',
        { 'content-type': 'application/x-www-form-urlencoded', ...bearer(token) },
        `input=${job}/output.txt`,
      );
    const bob = await reuse(BOB);
    expect(bob.status).toBe(422);
    expect(bob.text).toContain('input');
    expect((await reuse(ALICE)).status).toBe(202);
  });

  it('makes a pipeline’s steps its submitter’s jobs, and the pipeline 404 to others', async () => {
    const body = JSON.stringify({
      steps: [
        { name: 'first', service: 'words', parameters: { words: 'a' } },
        { name: 'again', service: 'head', parameters: { input: `${job}/output.txt` } },
      ],
    });
    const post = (token: string) =>
      rawRequest(
        `${a.baseUrl}/api/pipelines`,
        'POST',
        { 'content-type': 'application/json', ...bearer(token) },
        body,
      );
    // Another owner's private output is no input for a step either.
    expect((await post(BOB)).status).toBe(422);
    const created = await post(ALICE);
    expect(created.status).toBe(202);
    const pipeline = created.json<{ id: string; steps: { job: { id: string } }[] }>();
    const stepIds = pipeline.steps.map((step) => step.job.id);
    for (const id of stepIds) expect((await a.store.getJob(id))?.owner).toBe('token:alice');
    const url = `${a.baseUrl}/api/pipelines/${pipeline.id}`;
    for (const headers of [bearer(BOB), {}])
      expect((await rawRequest(url, 'GET', headers)).status).toBe(404);
    for (const token of [ALICE, ADMIN])
      expect((await rawRequest(url, 'GET', bearer(token))).status).toBe(200);
    expect(ids(await listed(a, bearer(BOB)))).not.toEqual(expect.arrayContaining(stepIds));
  });

  it('is readable by its owner and by admins', async () => {
    for (const token of [ALICE, ADMIN]) {
      expect((await rawRequest(`${a.baseUrl}/api/jobs/${job}`, 'GET', bearer(token))).status).toBe(
        200,
      );
      const file = await rawRequest(`${a.baseUrl}${output}`, 'GET', bearer(token));
      expect(file.text).toBe('secret words\n');
    }
    expect(ids(await listed(a, bearer(ADMIN)))).toContain(job);
  });
});
