import { Writable } from 'node:stream';
import fc from 'fast-check';
import { REQUEST_ID } from '../../src/http/request-id';
import { createLogger } from '../../src/lifecycle/logger';
import { startApiApp, type ApiApp } from '../helpers/api-app';

/** Every line the app logs, parsed. */
function capturedLog(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

const GENERATED = /^[0-9a-f]{16}$/;

describe('X-Request-Id', () => {
  let app: ApiApp;
  const log = capturedLog();

  beforeAll(async () => {
    app = await startApiApp({}, undefined, createLogger('server', 'debug', log.stream));
  });
  afterAll(() => app?.close());

  const get = (path: string, id?: string): Promise<Response> =>
    fetch(`${app.baseUrl}${path}`, id === undefined ? {} : { headers: { 'X-Request-Id': id } });

  it('is made when absent, kept when sane, replaced when not, on every route', async () => {
    for (const path of ['/api/version', '/api/services', '/api/jobs/nosuchjob', '/nowhere']) {
      expect((await get(path)).headers.get('x-request-id')).toMatch(GENERATED);
      const sane = 'client-1.retry:2_A';
      expect((await get(path, sane)).headers.get('x-request-id')).toBe(sane);
    }
    for (const bad of ['x'.repeat(129), 'a b', 'a"b', '{"level":60}', 'a/b', '', 'é'.normalize()]) {
      const id = (await get('/api/version', bad)).headers.get('x-request-id');
      expect({ bad, id: GENERATED.test(id ?? '') }).toEqual({ bad, id: true });
    }
  });

  it('is on the lean status route too (a stored job, answered before the router)', async () => {
    const submitted = await fetch(`${app.baseUrl}/api/services/sleep/jobs`, {
      method: 'POST',
      body: new URLSearchParams({ seconds: '1' }),
      headers: { 'X-Request-Id': 'submit-1' },
    });
    expect(submitted.status).toBe(202);
    expect(submitted.headers.get('x-request-id')).toBe('submit-1');
    const { id } = (await submitted.json()) as { id: string };
    const status = await get(`/api/jobs/${id}`, 'status-1');
    expect(status.status).toBe(200);
    expect(status.headers.get('x-request-id')).toBe('status-1');
    expect(status.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('echoes exactly the values it accepts (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary-ascii', maxLength: 140 }), async (offered) => {
        // fetch itself refuses control characters and trims spaces in header values.
        fc.pre(/^[\x21-\x7e]*$/.test(offered));
        const id = (await get('/api/version', offered)).headers.get('x-request-id') ?? '';
        return REQUEST_ID.test(offered) ? id === offered : GENERATED.test(id);
      }),
      { numRuns: 60 },
    );
  });

  it('is in the 500 body and in every log line written while serving that request', async () => {
    const getJob = app.store.getJob.bind(app.store);
    let failing = true;
    app.store.getJob = async (id) => {
      await new Promise((resolve) => setTimeout(resolve, 5)); // fail after an await, as a driver does
      if (failing) throw new Error('disk I/O error at /srv/damson/data/damson.sqlite');
      return getJob(id);
    };
    try {
      const before = log.lines.length;
      const res = await get('/api/jobs/abcdef', 'trace-500-check');
      expect(res.status).toBe(500);
      expect(res.headers.get('x-request-id')).toBe('trace-500-check');
      const text = await res.text();
      expect(text).not.toContain('/srv');
      expect(JSON.parse(text)).toEqual({
        error: {
          code: 'internal',
          message: 'Internal server error.',
          requestId: 'trace-500-check',
        },
      });
      const lines = log.lines.slice(before);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line.requestId).toBe('trace-500-check');
      expect(lines.some((line) => line.msg === 'unhandled error')).toBe(true);

      const generated = await get('/api/jobs/abcdef');
      const body = (await generated.json()) as { error: { requestId: string } };
      expect(body.error.requestId).toBe(generated.headers.get('x-request-id'));
      expect(body.error.requestId).toMatch(GENERATED);
    } finally {
      failing = false;
      app.store.getJob = getJob;
    }
  });
});
