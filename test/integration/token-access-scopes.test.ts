import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createApiToken } from '../../src/bin/api-token-admin';
import { DAMSON_BIN } from '../helpers/damson-process';
import { startApiApp, type ApiApp } from '../helpers/api-app';
import { rawRequest } from '../helpers/raw-http';

/**
 * `submit` and `list` scopes over HTTP, for settings-file tokens and tokens made with
 * `damson tokens create NAME --scope submit,list`: a token naming either may do only what it names
 * (403 `scope_required` naming the missing scope); a token naming neither keeps doing both.
 */
const LISTER = 'lister-token-0123456789abcdef';
const SUBMITTER = 'submitter-token-0123456789ab';
const PRIORITY = 'priority-token-0123456789abc';
const PLAIN = 'plain-token-0123456789abcdef0';

let a: ApiApp;
beforeAll(async () => {
  a = await startApiApp({
    'api.require-token': true,
    'api.tokens': [
      { name: 'lister', token: LISTER, scopes: ['list'] },
      { name: 'submitter', token: SUBMITTER, scopes: ['submit'] },
      { name: 'urgent', token: PRIORITY, scopes: ['priority'] },
      { name: 'plain', token: PLAIN },
    ],
  });
});
afterAll(async () => {
  await a?.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const list = (token: string) => rawRequest(`${a.baseUrl}/api/jobs`, 'GET', bearer(token));
const submit = (token: string) =>
  rawRequest(
    `${a.baseUrl}/api/services/words/jobs`,
    'POST',
    { 'content-type': 'application/x-www-form-urlencoded', ...bearer(token) },
    'words=a',
  );
const upload = (token: string) =>
  rawRequest(
    `${a.baseUrl}/api/files`,
    'POST',
    { 'content-type': 'multipart/form-data; boundary=b', ...bearer(token) },
    '--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello\r\n--b--\r\n',
  );

it('a list-only token lists but may not submit or upload: 403 naming the submit scope', async () => {
  expect((await list(LISTER)).status).toBe(200);
  for (const refused of [await submit(LISTER), await upload(LISTER)]) {
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({
      error: { code: 'scope_required', scope: 'submit' },
    });
  }
});

it('a submit-only token submits but may not list: 403 naming the list scope', async () => {
  expect((await submit(SUBMITTER)).status).toBe(202);
  const refused = await list(SUBMITTER);
  expect(refused.status).toBe(403);
  expect(refused.json()).toMatchObject({ error: { code: 'scope_required', scope: 'list' } });
});

it('tokens naming neither scope (none, or only priority) keep doing both', async () => {
  for (const token of [PLAIN, PRIORITY]) {
    expect((await submit(token)).status).toBe(202);
    expect((await list(token)).status).toBe(200);
  }
});

it('damson tokens create NAME --scope submit,list makes a token that does both', async () => {
  // The command itself, on the store this app uses.
  const created = await promisify(execFile)(
    process.execPath,
    [DAMSON_BIN, 'tokens', 'create', 'ci-both', '--scope', 'submit,list'],
    { env: { ...process.env, DAMSON_HOME: a.home.home, SLIVKA_HOME: '' } },
  );
  const secret = created.stdout.trim();
  expect((await a.store.tokens.listTokens()).find((t) => t.name === 'ci-both')).toMatchObject({
    scopes: ['submit', 'list'],
  });
  expect((await submit(secret)).status).toBe(202);
  expect((await list(secret)).status).toBe(200);
  const listOnly = await createApiToken(a.store.tokens, a.settings.api, {
    name: 'ci-list',
    scopes: 'list',
  });
  expect((await list(listOnly.secret)).status).toBe(200);
  expect((await submit(listOnly.secret)).json()).toMatchObject({
    error: { code: 'scope_required', scope: 'submit' },
  });
});
