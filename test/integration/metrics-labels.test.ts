import fc from 'fast-check';
import { mkdtempSync, symlinkSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startApiApp, type ApiApp } from '../helpers/api-app';
import { EXAMPLE_SERVICES } from '../helpers/damson-home';
import { allLabelValues, parseMetrics } from '../helpers/prometheus';
import { ServiceCatalog } from '../../src/services/service-catalog';

jest.setTimeout(60_000);

let app: ApiApp;

beforeAll(async () => {
  app = await startApiApp();
});

afterAll(async () => {
  await app?.close();
});

const FIXED_ROUTES = new Set(['unmatched', 'static', 'media', 'api-other']);

async function labels() {
  return parseMetrics(await app.ctx.metrics!.registry.metrics());
}

it('labels any request, however hostile its path or method, with a bounded value', async () => {
  const segment = fc.stringMatching(/^[A-Za-z0-9._~%:@!$&'()*+,;=-]{1,12}$/);
  await fc.assert(
    fc.asyncProperty(
      fc.array(segment, { minLength: 1, maxLength: 5 }),
      fc.constantFrom('', '/api', '/api/v1.1', '/api/jobs', '/api/services', '/media/jobs'),
      fc.constantFrom('GET', 'POST', 'DELETE', 'PATCH', 'PROPFIND', 'OPTIONS'),
      async (segments, base, method) => {
        const res = await fetch(`${app.baseUrl}${base}/${segments.join('/')}`, { method });
        await res.arrayBuffer();
      },
    ),
    { numRuns: 60 },
  );
  const families = await labels();
  const services = new Set(app.ctx.catalog.list().map((s) => s.id));
  const requests = families.get('damson_http_requests_total')?.metrics ?? [];
  // Route patterns as registered (`/api/jobs/:jid`, `/media/jobs/*file`) or a fixed name.
  const pattern = /^\/[A-Za-z0-9/:*._-]*$/;
  const routes = requests.map((sample) => sample.labels?.route ?? '');
  expect(routes.filter((route) => !FIXED_ROUTES.has(route) && !pattern.test(route))).toEqual([]);
  const methods = requests.map((sample) => sample.labels?.method ?? '');
  const known = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'other'];
  expect(methods.filter((method) => !known.includes(method))).toEqual([]);
  for (const name of ['damson_submissions_total', 'damson_submission_rejections_total'])
    for (const sample of families.get(name)?.metrics ?? [])
      expect(services.has(sample.labels?.service ?? '')).toBe(true);
  // However many requests, the series stay few: patterns, not paths.
  expect(families.get('damson_http_requests_total')!.metrics.length).toBeLessThan(80);
});

it('counts submissions to unknown services in no series, even ids like __proto__', async () => {
  for (const id of ['__proto__', 'constructor', 'nope', '%E2%80%AE', 'a'.repeat(300)]) {
    const res = await fetch(`${app.baseUrl}/api/services/${id}/jobs`, {
      method: 'POST',
      body: new URLSearchParams({ seconds: '1' }),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
  }
  const values = allLabelValues(await labels());
  for (const bad of ['__proto__', 'constructor', 'nope', '\u202e', 'a'.repeat(300)])
    expect(values).not.toContain(bad);
});

it('answers /readyz 503 with reasons and no server detail when no scheduler ever beat', async () => {
  const res = await fetch(`${app.baseUrl}/readyz`);
  expect(res.status).toBe(503);
  const body = (await res.json()) as { status: string; reasons: Record<string, string> };
  expect(Object.keys(body.reasons)).toEqual(['scheduler']);
  await app.store.operations.recordHeartbeat('scheduler', { owner: 't', at: new Date() });
  expect((await fetch(`${app.baseUrl}/readyz`)).status).toBe(200);
  expect(JSON.stringify(body)).not.toContain(app.home.home);
});

it('is not ready, naming the service but no path, when a service file fails to load', async () => {
  const services = mkdtempSync(path.join(tmpdir(), 'damson-broken-services-'));
  for (const name of readdirSync(EXAMPLE_SERVICES))
    symlinkSync(path.join(EXAMPLE_SERVICES, name), path.join(services, name));
  writeFileSync(path.join(services, 'broken.service.yaml'), 'name: [unclosed\n');
  const catalog = new ServiceCatalog(services);
  catalog.reload();
  const unreadable = new ServiceCatalog(path.join(services, 'missing'));
  unreadable.reload();
  const original = app.ctx.catalog;
  await app.store.operations.recordHeartbeat('scheduler', { owner: 't', at: new Date() });
  try {
    // The readiness checks read the context's catalog at each request.
    app.ctx.catalog = catalog;
    const broken = await fetch(`${app.baseUrl}/readyz`);
    expect(broken.status).toBe(503);
    const body = (await broken.json()) as { reasons: Record<string, string> };
    expect(body.reasons).toEqual({ services: "service 'broken' failed to load" });
    app.ctx.catalog = unreadable;
    const missing = (await (await fetch(`${app.baseUrl}/readyz`)).json()) as typeof body;
    expect(missing.reasons).toEqual({ services: 'the services directory cannot be read' });
    expect(JSON.stringify([body, missing])).not.toContain(services);
  } finally {
    app.ctx.catalog = original;
  }
  expect((await fetch(`${app.baseUrl}/readyz`)).status).toBe(200);
});
