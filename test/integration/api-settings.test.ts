import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { jobDirectoryRelative } from '../../src/jobs';
import { startApiApp, type ApiApp } from '../helpers/api-app';
import { multipartBody, rawRequest } from '../helpers/raw-http';
import { uploadNames } from '../helpers/upload-names';

/** Settings that change the API: prefix, media proxy, rate limits, tokens, per-service limits. */
const apps: ApiApp[] = [];
async function app(extra: Record<string, unknown>): Promise<ApiApp> {
  const started = await startApiApp(extra);
  apps.push(started);
  return started;
}
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
});

const TOKEN = 'ci-token-0123456789abcdef';

const submitWords = (a: ApiApp, headers: Record<string, string> = {}) =>
  rawRequest(
    `${a.baseUrl}/api/services/words/jobs`,
    'POST',
    { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    'words=a',
  );

function incomingFiles(a: ApiApp): string[] {
  const dir = path.join(a.settings.directories.uploads, '.incoming');
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

describe('API settings', () => {
  it('server.prefix: every link carries the prefix, on /api and on the /api/v1.1 alias', async () => {
    const a = await app({ 'server.prefix': '/damson' });
    for (const mount of ['/damson/api', '/damson/api/v1.1']) {
      const res = await rawRequest(`${a.baseUrl}${mount}/services/words`, 'GET');
      expect(res.json()['@url']).toBe(`${mount}/services/words`);
    }
    const job = await rawRequest(
      `${a.baseUrl}/damson/api/services/words/jobs`,
      'POST',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'words=x',
    );
    expect(job.status).toBe(202);
    expect(job.headers.location).toBe(`/damson/api/jobs/${job.json().id}`);
    const doc = await rawRequest(`${a.baseUrl}/damson/api/openapi.yaml`, 'GET');
    expect(doc.text).toContain('  - url: /damson/api\n  - url: /damson/api/v1.1\n');
  });

  it('server.media: proxy leaves output and upload bytes to the proxy (404 from the app)', async () => {
    const a = await app({ 'server.media': 'proxy' });
    const { contentType, body } = multipartBody([{ name: 'file', filename: '', value: 'abc\n' }]);
    const up = await rawRequest(
      `${a.baseUrl}/api/files`,
      'POST',
      { 'content-type': contentType },
      body,
    );
    expect(up.status).toBe(201);
    const content = up.json<{ '@content': string }>()['@content'];
    expect(content).toMatch(/^\/media\/uploads\/[A-Za-z0-9_-]{16}$/);
    const bytes = await rawRequest(`${a.baseUrl}${content}`, 'GET');
    expect(bytes.status).toBe(404);
    expect(bytes.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('server.media: app serves uploads as attachments with nosniff', async () => {
    const a = await app({});
    const { contentType, body } = multipartBody([
      { name: 'file', filename: 'x.html', value: '<script>alert(1)</script>' },
    ]);
    const up = await rawRequest(
      `${a.baseUrl}/api/files`,
      'POST',
      { 'content-type': contentType },
      body,
    );
    const res = await rawRequest(
      `${a.baseUrl}${up.json<{ '@content': string }>()['@content']}`,
      'GET',
    );
    expect(res.status).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-disposition']).toBe('attachment');
  });

  it('server.media: app serves outputs safely: active types as text, nosniff, sandbox, no escapes', async () => {
    const a = await app({});
    const job = await a.store.insertJob({
      id: 'OutputsTest_0001',
      service: 'head',
      inputs: {},
      parameters: {},
      workDir: jobDirectoryRelative('OutputsTest_0001'),
    });
    const dir = path.join(a.settings.directories.jobs, job.workDir);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'stdout'), '<script>parent.pwned=1</script>');
    writeFileSync(path.join(dir, 'page.html'), '<html><script>alert(1)</script></html>');
    symlinkSync('/etc/passwd', path.join(dir, 'stderr'));
    const files = (await rawRequest(`${a.baseUrl}/api/jobs/${job.id}/files`, 'GET')).json<{
      files: { path: string; '@content': string }[];
    }>().files;
    expect(files.map((f) => f.path)).toEqual(['stdout']);
    const base = `${a.baseUrl}/media/jobs/${job.workDir}`;
    for (const name of ['stdout', 'page.html']) {
      const served = await rawRequest(`${base}/${name}`, 'GET');
      expect(served.status).toBe(200);
      expect(served.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(served.headers['x-content-type-options']).toBe('nosniff');
      expect(served.headers['content-security-policy']).toContain('sandbox');
    }
    for (const escape of [
      'stderr',
      '%2e%2e/%2e%2e/%2e%2e/settings.yaml',
      '..%2F..%2F..%2Fsettings.yaml',
    ]) {
      const refused = await rawRequest(`${base}/${escape}`, 'GET');
      expect(refused.status).toBe(404);
      expect(refused.text).not.toContain('root:');
    }
  });

  it('api.rate-limit.submissions: the next submission gets 429 with Retry-After; a token has its own limit', async () => {
    const a = await app({
      'api.rate-limit.submissions': 2,
      'api.tokens': [{ name: 'ci', token: TOKEN, submissions: 5 }],
    });
    expect((await submitWords(a)).status).toBe(202);
    expect((await submitWords(a)).status).toBe(202);
    const limited = await submitWords(a);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ error: { code: 'rate_limited' } });
    // Reading is not a submission.
    expect((await rawRequest(`${a.baseUrl}/api/services`, 'GET')).status).toBe(200);
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (let i = 0; i < 5; i++) expect((await submitWords(a, auth)).status).toBe(202);
    expect((await submitWords(a, auth)).status).toBe(429);
    const wrong = await submitWords(a, { authorization: 'Bearer not-a-valid-token-at-all' });
    expect(wrong.status).toBe(401);
    expect(wrong.json()).toMatchObject({ error: { code: 'invalid_token' } });
  });

  it('api.rate-limit.requests limits every API request per client', async () => {
    const a = await app({ 'api.rate-limit.requests': 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await rawRequest(`${a.baseUrl}/api/version`, 'GET')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('api.require-token: requests without a token get 401, with one they pass (X-API-Key too)', async () => {
    const a = await app({
      'api.require-token': true,
      'api.tokens': [{ name: 'ci', token: TOKEN }],
    });
    const bare = await rawRequest(`${a.baseUrl}/api/services`, 'GET');
    expect(bare.status).toBe(401);
    expect(bare.headers['www-authenticate']).toBe('Bearer');
    expect(bare.json()).toMatchObject({ error: { code: 'token_required' } });
    expect(
      (await rawRequest(`${a.baseUrl}/api/services`, 'GET', { 'x-api-key': TOKEN })).status,
    ).toBe(200);
  });

  it('by default nobody lists jobs: there is no token, and the listing needs one', async () => {
    const a = await app({});
    expect((await submitWords(a)).status).toBe(202);
    const anonymous = await rawRequest(`${a.baseUrl}/api/jobs`, 'GET');
    expect(anonymous.status).toBe(401);
    expect(anonymous.json()).toMatchObject({ error: { code: 'token_required' } });
    const job = (await submitWords(a)).json<{ id: string }>();
    expect((await rawRequest(`${a.baseUrl}/api/jobs/${job.id}`, 'GET')).status).toBe(200);
  });

  it('api.list-jobs: anyone opens the listing when the operator chooses to', async () => {
    const a = await app({ 'api.list-jobs': 'anyone' });
    expect((await submitWords(a)).status).toBe(202);
    const anonymous = await rawRequest(`${a.baseUrl}/api/jobs`, 'GET');
    expect(anonymous.status).toBe(200);
    expect(anonymous.json<{ jobs: unknown[] }>().jobs).toHaveLength(1);
  });

  it('a raised priority needs a token with the priority scope; nothing is stored otherwise', async () => {
    const PLAIN = 'plain-token-0123456789abcdef';
    const a = await app({
      'api.tokens': [
        { name: 'ops', token: TOKEN, scopes: ['priority'] },
        { name: 'plain', token: PLAIN },
      ],
    });
    const submitHead = (query: string, headers: Record<string, string> = {}) => {
      const { contentType, body } = multipartBody([
        { name: 'input', filename: 'a.txt', value: 'one\ntwo\n' },
      ]);
      return rawRequest(
        `${a.baseUrl}/api/services/head/jobs?${query}`,
        'POST',
        { 'content-type': contentType, ...headers },
        body,
      );
    };
    const uploads = (): string[] =>
      uploadNames(readdirSync(a.settings.directories.uploads)).filter((f) => f !== '.incoming');
    const callers: Record<string, string>[] = [{}, { authorization: `Bearer ${PLAIN}` }];
    for (const headers of callers) {
      const refused = await submitHead('priority=5', headers);
      expect(refused.status).toBe(403);
      expect(refused.json()).toMatchObject({
        error: { code: 'priority_not_allowed', parameter: 'priority' },
      });
    }
    expect((await a.store.listJobs({ limit: 10 })).jobs).toHaveLength(0);
    expect(uploads()).toEqual([]);
    expect(incomingFiles(a)).toEqual([]);
    const ops = await submitHead('priority=5', { authorization: `Bearer ${TOKEN}` });
    expect(ops.status).toBe(202);
    expect((await a.store.getJob(ops.json<{ id: string }>().id))!.priority).toBe(5);
    for (const query of ['priority=0', 'priority=-3']) {
      expect((await submitHead(query)).status).toBe(202);
    }
  });

  it('api.list-jobs: token keeps job ids (the only guard of results) from anonymous clients', async () => {
    const a = await app({
      'api.list-jobs': 'token',
      'api.tokens': [{ name: 'ops', token: TOKEN }],
    });
    // Listings are scoped to the caller's own jobs (docs/api.md): the token holder submits.
    expect((await submitWords(a, { authorization: `Bearer ${TOKEN}` })).status).toBe(202);
    const anonymous = await rawRequest(`${a.baseUrl}/api/jobs`, 'GET');
    expect(anonymous.status).toBe(401);
    expect(anonymous.json()).toMatchObject({ error: { code: 'token_required' } });
    const ops = await rawRequest(`${a.baseUrl}/api/jobs`, 'GET', {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(ops.status).toBe(200);
    expect(ops.json<{ jobs: unknown[] }>().jobs).toHaveLength(1);
  });

  it('api.service-limits: one service gets a smaller file limit, named in the 413; nothing is kept', async () => {
    const a = await app({ 'api.service-limits.head.max-file-size': 10 });
    const { contentType, body } = multipartBody([
      { name: 'input', filename: 'a.txt', value: 'x'.repeat(11) },
    ]);
    const res = await rawRequest(
      `${a.baseUrl}/api/services/head/jobs`,
      'POST',
      { 'content-type': contentType },
      body,
    );
    expect(res.status).toBe(413);
    expect(res.json()).toMatchObject({
      error: { code: 'file_too_large', limit: 'api.service-limits.head.max-file-size' },
    });
    expect(res.json<{ error: { message: string } }>().error.message).toContain('10 bytes');
    expect(incomingFiles(a)).toEqual([]);
    const small = multipartBody([{ name: 'input', filename: 'a.txt', value: 'x\n' }]);
    const ok = await rawRequest(
      `${a.baseUrl}/api/services/head/jobs`,
      'POST',
      { 'content-type': small.contentType },
      small.body,
    );
    expect(ok.status).toBe(202);
  });
});
