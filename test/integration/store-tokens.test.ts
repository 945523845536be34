import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { createApiToken } from '../../src/bin/api-token-admin';
import { hashTokenSecret } from '../../src/http/token-secret';
import { startApiApp, type ApiApp } from '../helpers/api-app';
import { rawRequest } from '../helpers/raw-http';

/** Tokens made with `damson tokens` (here through the same function) against the real app. */
const SETTINGS_TOKEN = 'settings-token-0123456789';
let a: ApiApp;
beforeAll(async () => {
  a = await startApiApp({
    'api.token-cache': 0,
    'api.tokens': [{ name: 'ops', token: SETTINGS_TOKEN }],
  });
});
afterAll(async () => {
  await a?.close();
});

const make = async (name: string, extra: { expires?: string; submissions?: number } = {}) =>
  (await createApiToken(a.store.tokens, a.settings.api, { name, ...extra })).secret;

const listJobs = (headers: Record<string, string>) =>
  rawRequest(`${a.baseUrl}/api/jobs`, 'GET', headers);

const submitWords = (headers: Record<string, string> = {}) =>
  rawRequest(
    `${a.baseUrl}/api/services/words/jobs`,
    'POST',
    { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    'words=a',
  );

it('a store token works as a settings token does (Bearer and X-API-Key), and revoking ends it', async () => {
  const secret = await make('store-ci');
  expect((await listJobs({ authorization: `Bearer ${secret}` })).status).toBe(200);
  expect((await listJobs({ 'x-api-key': secret })).status).toBe(200);
  expect((await listJobs({ authorization: `Bearer ${SETTINGS_TOKEN}` })).status).toBe(200);
  await a.store.tokens.revokeToken('store-ci');
  const refused = await listJobs({ authorization: `Bearer ${secret}` });
  expect(refused.status).toBe(401);
  expect(refused.json()).toMatchObject({ error: { code: 'invalid_token' } });
});

it('an expired token gets 401 like an unknown one', async () => {
  const secret = await make('brief', { expires: '1h' });
  expect((await listJobs({ authorization: `Bearer ${secret}` })).status).toBe(200);
  // Expire it in the store, as time would.
  await a.store.tokens.revokeToken('brief');
  const record = {
    name: 'brief',
    secretHash: hashTokenSecret(secret),
    scopes: [],
    requests: null,
    submissions: null,
    createdAt: new Date(Date.now() - 7200_000),
    expiresAt: new Date(Date.now() - 1),
  };
  await a.store.tokens.createToken(record);
  const expired = await listJobs({ authorization: `Bearer ${secret}` });
  expect(expired.status).toBe(401);
  expect(expired.json()).toMatchObject({ error: { code: 'invalid_token' } });
});

it('malformed and oversized tokens get a 401 with a JSON body, never a 500', async () => {
  for (const token of [
    'x'.repeat(1025),
    'x'.repeat(8000),
    'ab\tcd-0123456789',
    'caf\xe9-0123456789',
  ]) {
    const res = await listJobs({ authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_token' } });
    expect(res.text).not.toMatch(/at .*\.js|\/work\//);
  }
  // Whitespace only is no token at all: the listing asks for one.
  const blank = await listJobs({ authorization: 'Bearer    ' });
  expect(blank.json()).toMatchObject({ error: { code: 'token_required' } });
});

it('the lean status route (no settings token, no limit) does not let a revoked token through', async () => {
  const lean = await startApiApp({ 'api.token-cache': 0 });
  try {
    const job = (
      await rawRequest(
        `${lean.baseUrl}/api/services/words/jobs`,
        'POST',
        { 'content-type': 'application/x-www-form-urlencoded' },
        'words=a',
      )
    ).json<{ id: string }>();
    const { secret } = await createApiToken(lean.store.tokens, lean.settings.api, {
      name: 'status-reader',
    });
    const status = (headers: Record<string, string>) =>
      rawRequest(`${lean.baseUrl}/api/jobs/${job.id}`, 'GET', headers);
    expect((await status({ authorization: `Bearer ${secret}` })).status).toBe(200);
    await lean.store.tokens.revokeToken('status-reader');
    expect((await status({ authorization: `Bearer ${secret}` })).status).toBe(401);
    expect((await status({})).status).toBe(200);
  } finally {
    await lean.close();
  }
});

it("a store token's own submission limit holds, counted in the store", async () => {
  const secret = await make('limited', { submissions: 2 });
  const auth = { authorization: `Bearer ${secret}` };
  const statuses = [];
  for (let i = 0; i < 4; i += 1) statuses.push((await submitWords(auth)).status);
  expect(statuses).toEqual([202, 202, 429, 429]);
  // Hits past the limit are not recorded: the window holds the limit and one more, however many.
  const file = a.settings.store.kind === 'sqlite' ? a.settings.store.file : '';
  const db = new Database(file, { readonly: true });
  const rows = db
    .prepare("SELECT hits FROM rate_counters WHERE key = 'submissions|token:limited'")
    .all();
  db.close();
  expect(rows).toEqual([{ hits: 3 }]);
  // Others are not limited by it.
  expect((await submitWords()).status).toBe(202);
});

it('the SQLite file holds no secret in clear text, only its hash', async () => {
  const secret = await make('on-disk');
  const file = a.settings.store.kind === 'sqlite' ? a.settings.store.file : '';
  const bytes = Buffer.concat(
    ['', '-wal'].map((suffix) => {
      try {
        return readFileSync(file + suffix);
      } catch {
        return Buffer.alloc(0);
      }
    }),
  );
  expect(bytes.includes(Buffer.from('on-disk'))).toBe(true);
  expect(bytes.includes(Buffer.from(secret))).toBe(false);
  expect(bytes.includes(Buffer.from(secret.slice(7, 27)))).toBe(false);
});
