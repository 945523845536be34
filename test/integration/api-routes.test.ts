import { parse } from 'yaml';
import { apiRouter } from '../../src/http/api-router';
import { JobWatcher } from '../../src/http/job-watcher';
import { startApiApp, type ApiApp } from '../helpers/api-app';
import { multipartBody, rawRequest } from '../helpers/raw-http';
import { waitFor } from '../helpers/wait-for';

let app: ApiApp;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/;

beforeAll(async () => {
  // This suite lists jobs anonymously: an operator's explicit choice (the default needs a token).
  app = await startApiApp({ 'api.watch-interval': 50, 'api.list-jobs': 'anyone' });
});
afterAll(async () => {
  await app?.close();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  rawRequest(`${app.baseUrl}${path}`, 'GET', headers);
const postJson = (path: string, body: unknown) =>
  rawRequest(
    `${app.baseUrl}${path}`,
    'POST',
    { 'content-type': 'application/json' },
    JSON.stringify(body),
  );

async function newJob(): Promise<string> {
  const res = await postJson('/api/services/words/jobs', { words: ['a'] });
  expect(res.status).toBe(202);
  return res.json<{ id: string }>().id;
}

describe('slivka routes and shapes', () => {
  it('answers /version under /api and /api/v1.1', async () => {
    for (const mount of ['/api', '/api/v1.1']) {
      const res = await get(`${mount}/version`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toMatchObject({ APIVersion: '1.1', slivkaVersion: expect.any(String) });
    }
  });

  it('gives services the types the Java client insists on, with links on the mount used', async () => {
    const res = await get('/api/v1.1/services');
    const services = res.json<{ services: Record<string, unknown>[] }>().services;
    expect(services.length).toBeGreaterThan(0);
    for (const s of services) {
      expect(s['@url']).toBe(`/api/v1.1/services/${s.id}`);
      for (const key of ['id', 'name', 'description', 'author', 'version', 'license'])
        expect(typeof s[key]).toBe('string');
      expect(Array.isArray(s.classifiers) && Array.isArray(s.presets)).toBe(true);
      const status = s.status as Record<string, string>;
      expect(status.timestamp).toMatch(TIMESTAMP);
      expect(typeof status.errorMessage).toBe('string');
      for (const p of s.parameters as Record<string, unknown>[]) {
        for (const key of ['min', 'max', 'minLength', 'maxLength']) {
          if (key in p && p.type !== 'decimal') expect(Number.isInteger(p[key])).toBe(true);
        }
        expect(Object.values(p)).not.toContain(undefined);
      }
    }
    const one = await get('/api/services/words');
    expect(one.headers.location).toBe('/api/services/words');
  });

  it('takes a JSON body as a submission and echoes parameters without nulls', async () => {
    const res = await postJson('/api/services/words/jobs', {
      words: ['Hello', 'World'],
      repeat: 2,
      case: 'upper',
      numbered: true,
      separator: null,
    });
    expect(res.status).toBe(202);
    const job = res.json<Record<string, unknown>>();
    expect(res.headers.location).toBe(job['@url']);
    expect(job.parameters).toEqual({
      words: ['Hello', 'World'],
      repeat: '2',
      case: 'upper',
      numbered: 'true',
    });
    expect(job).toMatchObject({ status: 'PENDING', completionTime: null, finished: false });
    expect(job.submissionTime).toMatch(TIMESTAMP);
    expect(app.wakes()).toBeGreaterThan(0);
    const invalid = await postJson('/api/services/words/jobs', { words: ['x'], repeat: 9 });
    expect(invalid.status).toBe(422);
    expect(invalid.json()).toMatchObject({
      errors: [{ parameter: 'repeat', errorCode: 'max_value' }],
      error: { code: 'invalid_parameters' },
    });
  });

  it('answers the plain status GET (lean route) exactly as the routed one', async () => {
    const id = await newJob();
    for (const mount of ['/api', '/api/v1.1']) {
      const lean = await get(`${mount}/jobs/${id}`);
      const routed = await get(`${mount}/jobs/${id}?wait=0`);
      expect(lean.status).toBe(200);
      expect(lean.text).toBe(routed.text);
      const headers = (r: typeof lean) => {
        const h = { ...r.headers };
        delete h.date;
        // Each request has its own id (test/integration/request-id.test.ts).
        expect(h['x-request-id']).toMatch(/^[0-9a-f]{16}$/);
        delete h['x-request-id'];
        return h;
      };
      expect(headers(lean)).toEqual(headers(routed));
    }
    const missing = await get('/api/jobs/AAAAAAAAAAAAAAAA');
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('answers 405 with Allow for a wrong method on a known route, 204 for OPTIONS', async () => {
    const res = await rawRequest(`${app.baseUrl}/api/jobs/abc`, 'PUT');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, DELETE, HEAD, OPTIONS');
    expect(res.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
    const options = await rawRequest(`${app.baseUrl}/api/services/words/jobs`, 'OPTIONS');
    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe('POST, OPTIONS');
  });

  it('stores small (in memory) and large (streamed) uploads byte for byte', async () => {
    for (const size of [0, 1000, 64 * 1024, 64 * 1024 + 1, 300_000]) {
      const bytes = Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + 7) % 256));
      const { contentType, body } = multipartBody([{ name: 'file', filename: '', value: bytes }]);
      const half = Math.floor(body.length / 2);
      const up = await rawRequest(
        `${app.baseUrl}/api/files`,
        'POST',
        { 'content-type': contentType },
        [body.subarray(0, half), body.subarray(half)],
      );
      expect(up.status).toBe(201);
      const content = await fetch(`${app.baseUrl}${up.json<{ '@content': string }>()['@content']}`);
      expect(Buffer.from(await content.arrayBuffer()).equals(bytes)).toBe(true);
    }
  });

  it('lists no files before a job has started', async () => {
    const id = await newJob();
    const res = await get(`/api/jobs/${id}/files`);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ files: [] });
  });

  it('lists jobs newest first with filters and a cursor', async () => {
    const ids = [await newJob(), await newJob(), await newJob()];
    const first = (await get('/api/jobs?service=words&status=PENDING&limit=2')).json<{
      jobs: { id: string }[];
      nextCursor: string;
    }>();
    expect(first.jobs.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    const second = (await get(`/api/jobs?service=words&limit=2&cursor=${first.nextCursor}`)).json<{
      jobs: { id: string }[];
    }>();
    expect(second.jobs[0].id).toBe(ids[0]);
    const future = (await get('/api/jobs?since=2999-01-01')).json<{ jobs: unknown[] }>();
    expect(future.jobs).toEqual([]);
  });

  it('cancels a pending job (204), then answers 409 because it has finished', async () => {
    const id = await newJob();
    expect((await rawRequest(`${app.baseUrl}/api/jobs/${id}`, 'DELETE')).status).toBe(204);
    const again = await rawRequest(`${app.baseUrl}/api/jobs/${id}`, 'DELETE');
    expect(again.status).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'job_finished', status: 'DELETED' } });
    const job = (await get(`/api/jobs/${id}`)).json<Record<string, unknown>>();
    expect(job).toMatchObject({ status: 'DELETED', finished: true });
    expect(job.completionTime).toMatch(TIMESTAMP);
  });
});

describe('waiting for a change', () => {
  it('long-poll returns as soon as the state changes in the store', async () => {
    const id = await newJob();
    const started = Date.now();
    const waiting = get(`/api/jobs/${id}?wait=10`);
    await new Promise((r) => setTimeout(r, 200));
    await app.store.claimPending('test-scheduler', 30_000, 100);
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ id, status: 'ACCEPTED' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(app.ctx.watcher?.watchedJobs).toBe(0);
  });

  it('long-poll answers at once when status differs, and after the wait otherwise', async () => {
    const id = await newJob();
    const quick = Date.now();
    const differs = await get(`/api/jobs/${id}?wait=10&status=queued`);
    expect(differs.json()).toMatchObject({ status: 'PENDING' });
    expect(Date.now() - quick).toBeLessThan(1_000);
    const slow = Date.now();
    const same = await get(`/api/jobs/${id}?wait=0.4&status=PENDING`);
    expect(same.json()).toMatchObject({ status: 'PENDING' });
    expect(Date.now() - slow).toBeGreaterThanOrEqual(380);
    expect((await get(`/api/jobs/${id}?wait=soon`)).status).toBe(400);
    expect((await get(`/api/jobs/${id}?wait=1&status=DONE`)).json()).toMatchObject({
      error: { code: 'invalid_query', parameter: 'status' },
    });
  });

  it('streams state changes as Server-Sent Events and ends after a finished state', async () => {
    const id = await newJob();
    const res = await fetch(`${app.baseUrl}/api/jobs/${id}/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    let text = '';
    const events = (): { id: string; data: { status: string } }[] =>
      text
        .split('\n\n')
        .filter((block) => block.includes('event: job'))
        .map((block) => ({
          id: /^id: (.*)$/m.exec(block)![1],
          data: JSON.parse(/^data: (.*)$/m.exec(block)![1]) as { status: string },
        }));
    const readUntil = async (count: number): Promise<void> => {
      while (events().length < count) {
        const { value, done } = await reader.read();
        if (done) return;
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil(1);
    expect(events()[0].data.status).toBe('PENDING');
    await app.store.claimPending('test-scheduler', 30_000, 100);
    await readUntil(2);
    expect(events()[1]).toMatchObject({ id: 'ACCEPTED', data: { status: 'ACCEPTED' } });
    await app.store.requestCancel(id);
    await readUntil(3);
    expect(events()[2].data).toMatchObject({ status: 'DELETED', finished: true });
    expect((await reader.read()).done).toBe(true);
    const reconnect = await get(`/api/jobs/${id}/events`, { 'last-event-id': 'DELETED' });
    expect(reconnect.status).toBe(204);
  });

  it('stops watching when the client goes away', async () => {
    const id = await newJob();
    const aborts = [new AbortController(), new AbortController()];
    const poll = fetch(`${app.baseUrl}/api/jobs/${id}?wait=30`, { signal: aborts[0].signal });
    const stream = await fetch(`${app.baseUrl}/api/jobs/${id}/events`, {
      signal: aborts[1].signal,
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(app.ctx.watcher?.watchedJobs).toBe(1);
    for (const abort of aborts) abort.abort();
    await expect(poll).rejects.toThrow();
    await stream.body?.cancel().catch(() => undefined);
    await waitFor(
      async () => (app.ctx.watcher?.watchedJobs === 0 ? true : undefined),
      'the watcher to forget the job',
      2_000,
    );
  });

  it('answers every waiter when the server closes', async () => {
    const store = app.store;
    const watcher = new JobWatcher(store, 50, app.ctx.log);
    const id = await newJob();
    const job = (await store.getJob(id))!;
    const closed = new Promise<string>((resolve) =>
      watcher.watch(
        job,
        () => resolve('changed'),
        () => resolve('closed'),
      ),
    );
    watcher.close();
    expect(await closed).toBe('closed');
  });
});

describe('the OpenAPI document and the reference page', () => {
  const routeTable = (): Set<string> => {
    const limits = { submissions: () => undefined, listing: () => undefined };
    const router = apiRouter(app.ctx, app.ctx.watcher!, limits);
    const routes = new Set<string>();
    for (const layer of router.stack) {
      const route = layer.route as { path: string; methods: Record<string, boolean> } | undefined;
      if (!route) continue;
      const path = route.path.replace(/:(\w+)/g, '{$1}').replace(/\*(\w+)/g, '{$1}');
      for (const method of Object.keys(route.methods).filter((m) => m !== '_all'))
        routes.add(`${method.toUpperCase()} ${path}`);
    }
    return routes;
  };

  it('documents exactly the routes the router has', async () => {
    const res = await get('/api/openapi.yaml');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/yaml/);
    const doc = parse(res.text) as { openapi: string; paths: Record<string, object> };
    expect(doc.openapi).toMatch(/^3\.1\./);
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
        if (method in item) documented.add(`${method.toUpperCase()} ${path}`);
      }
    }
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) {
      let node: unknown = doc;
      for (const key of ref.slice(8, -1).replace(/^#\//, '').split('/'))
        node = (node as Record<string, unknown> | undefined)?.[key];
      expect([ref, node !== undefined]).toEqual([ref, true]);
    }
    const actual = routeTable();
    expect([...actual].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !actual.has(r))).toEqual([]);
  });

  it('serves a self-contained HTML reference at /api/ and /api/reference', async () => {
    for (const path of ['/api/', '/api/reference', '/api/v1.1/reference']) {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toBe(
        "default-src 'none'; style-src 'unsafe-inline'",
      );
      expect(res.text).toContain('/jobs/{jid}/events');
      expect(res.text).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
      expect(res.text).not.toMatch(/<script|@import|url\(/i);
    }
  });
});
