import { readdirSync } from 'node:fs';
import path from 'node:path';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { multipartBody, rawRequest, type Part, type RawResponse } from '../helpers/raw-http';
import { uploadNames } from '../helpers/upload-names';

/**
 * Audit F2: field and file names that are Object.prototype's own names once crashed the server
 * (a throw inside busboy's synchronous emit). The server runs as its own process here, so a crash
 * is an exit this test sees, not the end of jest.
 */
let home: DamsonHome;
let server: RunningDamson;
let uploads: string;

beforeAll(async () => {
  home = await makeDamsonHome({
    'directory.uploads': './media/uploads',
    // The listing's query parsing is attacked here, so the listing is open (the default needs a token).
    'api.list-jobs': 'anyone',
  });
  uploads = path.join(home.home, 'media/uploads');
  server = await startDamson(home, ['server']);
}, 30_000);
afterAll(async () => {
  await server?.stop();
});

const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  '__defineGetter__',
  '__lookupSetter__',
];

function multipart(url: string, parts: Part[]): Promise<RawResponse> {
  const { contentType, body } = multipartBody(parts);
  return rawRequest(`${home.baseUrl}${url}`, 'POST', { 'content-type': contentType }, body);
}

/** A JSON answer of 202/201 or a 4xx, the process alive, the server answering, no stray file. */
async function expectHandled(res: RawResponse, allowed: number[]): Promise<void> {
  expect(allowed).toContain(res.status);
  expect(res.headers['content-type']).toMatch(/application\/json/);
  expect(() => res.json()).not.toThrow();
  expect(server.process.exitCode).toBeNull();
  const version = await fetch(`${home.baseUrl}/api/version`);
  expect(version.status).toBe(200);
}

function filesInUploads(): string[] {
  try {
    return uploadNames(readdirSync(uploads));
  } catch {
    return [];
  }
}

describe('the audit reproducers', () => {
  test("-F '__proto__=x' on a job submission", async () => {
    const res = await multipart('/api/services/head/jobs', [{ name: '__proto__', value: 'x' }]);
    await expectHandled(res, [422]);
    expect(res.json<{ errors: { parameter: string }[] }>().errors[0].parameter).toBe('input');
  });

  test("-F 'constructor=@file' on a job submission", async () => {
    const res = await multipart('/api/services/head/jobs', [
      { name: 'constructor', filename: 'some.txt', value: 'a\nb\n' },
    ]);
    await expectHandled(res, [422]);
    expect(filesInUploads()).toEqual([]);
  });

  test("-F 'toString=@file' on /api/files", async () => {
    const res = await multipart('/api/files', [
      { name: 'toString', filename: 'some.txt', value: 'a\n' },
    ]);
    await expectHandled(res, [400]);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('file_missing');
    expect(filesInUploads()).toEqual([]);
  });

  test("-F 'hasOwnProperty=1' on a job submission", async () => {
    const res = await multipart('/api/services/words/jobs', [
      { name: 'hasOwnProperty', value: '1' },
      { name: 'words', value: 'hello' },
    ]);
    await expectHandled(res, [202]);
  });

  test('a 100 KiB upload followed by __proto__ leaves no file behind', async () => {
    const res = await multipart('/api/services/head/jobs', [
      { name: 'input', filename: 'big.txt', value: 'line\n'.repeat(20_000) },
      { name: '__proto__', value: '1' },
    ]);
    await expectHandled(res, [202]);
    // The one file is the accepted job's input, recorded as an upload.
    expect(filesInUploads()).toHaveLength(1);
  });

  test('urlencoded __proto__=x', async () => {
    const res = await rawRequest(
      `${home.baseUrl}/api/services/words/jobs`,
      'POST',
      { 'content-type': 'application/x-www-form-urlencoded' },
      '__proto__=x&constructor=y&toString=z&words=hello',
    );
    await expectHandled(res, [202]);
    const parameters = res.json<{ parameters: Record<string, unknown> }>().parameters;
    expect(Object.keys(parameters)).not.toContain('constructor');
  });

  test('a JSON body with prototype keys', async () => {
    const body = `{"__proto__": ["x"], "constructor": {"a": 1}, "words": ["hi"]}`;
    const nested = await rawRequest(
      `${home.baseUrl}/api/services/words/jobs`,
      'POST',
      { 'content-type': 'application/json' },
      body,
    );
    await expectHandled(nested, [400]);
    const flat = await rawRequest(
      `${home.baseUrl}/api/services/words/jobs`,
      'POST',
      { 'content-type': 'application/json' },
      `{"__proto__": ["x"], "toString": "y", "valueOf": 1, "words": ["hi"]}`,
    );
    await expectHandled(flat, [202]);
  });
});

describe('every prototype key as a field, a file part and a query key', () => {
  test.each(PROTOTYPE_KEYS)('%s', async (key) => {
    for (const service of ['head', 'words', 'sleep']) {
      const asField = await multipart(`/api/services/${service}/jobs`, [{ name: key, value: '1' }]);
      await expectHandled(asField, [202, 422]);
      const asFile = await multipart(`/api/services/${service}/jobs`, [
        { name: key, filename: 'f.txt', value: 'x\n' },
      ]);
      await expectHandled(asFile, [202, 422]);
    }
    const upload = await multipart('/api/files', [
      { name: key, filename: 'f.txt', value: 'x\n' },
      { name: key, value: 'y' },
    ]);
    await expectHandled(upload, [400]);
    for (const query of [`${key}=1`, `${key}[x]=1`, `${key}[${key}]=1&${key}=2`]) {
      const list = await rawRequest(`${home.baseUrl}/api/jobs?${query}`, 'GET');
      await expectHandled(list, [200]);
      const submit = await rawRequest(
        `${home.baseUrl}/api/services/words/jobs?${query}`,
        'POST',
        { 'content-type': 'application/x-www-form-urlencoded' },
        'words=ok',
      );
      await expectHandled(submit, [202]);
    }
  });
});
