import fc from 'fast-check';
import { startApiApp, type ApiApp } from '../helpers/api-app';

/**
 * Hostile admin requests, generated: query names from Object.prototype's names, the route's own
 * names and junk; values with control characters, unicode, dates and very long text; path names
 * likewise. For every one: never a 5xx, always JSON, a 4xx names a field no longer than the
 * bounds say, and nothing is echoed at length.
 */
const TOKEN = 'property-admin-token-0123456789';
let app: ApiApp;

beforeAll(async () => {
  app = await startApiApp({
    'api.tokens': [{ name: 'prop', token: TOKEN, scopes: ['admin'] }],
  });
});

afterAll(() => app?.close());

const names = fc.oneof(
  fc.constantFrom('service', 'status', 'before', 'after', 'limit', 'dry-run', 'reason'),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
);
const values = fc.oneof(
  fc.constantFrom('PENDING', 'COMPLETED', 'true', 'false', '2026-01-01', '0', '-1', '1e9'),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 400 }),
);
const query = fc
  .array(fc.tuple(names, values), { maxLength: 6 })
  .map((pairs) => new URLSearchParams(pairs).toString());

async function call(method: string, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${app.baseUrl}/api/admin/${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}` },
  });
  const text = await res.text();
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(text.length).toBeLessThan(2000);
  return { status: res.status, body: JSON.parse(text) as unknown };
}

function expectSane({ status, body }: { status: number; body: unknown }): void {
  expect(status).toBeLessThan(500);
  if (status >= 400) {
    const error = (body as { error: { code: string; parameter?: unknown } }).error;
    expect(typeof error.code).toBe('string');
    if (error.parameter !== undefined)
      expect(String(error.parameter).length).toBeLessThanOrEqual(41);
  }
}

test('a bulk cancel with any query is answered 200 or a 4xx naming the field', async () => {
  await fc.assert(
    fc.asyncProperty(query, async (q) => {
      const answer = await call('POST', `jobs/cancel?dry-run=true&${q}`);
      expectSane(answer);
    }),
    { numRuns: 150 },
  );
});

test('pause, resume and drain with any path name and query are never a 5xx', async () => {
  const segment = fc.oneof(
    fc.constantFrom('sleep', 'local', '__proto__', 'constructor', '..', '%2e%2e'),
    fc.string({ unit: 'grapheme', maxLength: 300 }).map(encodeURIComponent),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('services/%s/pause', 'runners/%s/resume', 'agents/%s/drain'),
      segment,
      query,
      async (route, name, q) => {
        const path = `${route.replace('%s', name || 'x')}?${q}`;
        expectSane(await call(route.startsWith('agents') ? 'DELETE' : 'POST', path));
      },
    ),
    { numRuns: 150 },
  );
  // Whatever was paused on the way, the store holds only real targets.
  for (const pause of await app.store.admin.listPauses())
    expect(['service:sleep', 'service:head', 'service:words', 'runner:local']).toContain(
      `${pause.kind}:${pause.name}`,
    );
});
