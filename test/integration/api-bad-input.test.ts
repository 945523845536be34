import { readdirSync } from 'node:fs';
import path from 'node:path';
import { startApiApp, type ApiApp } from '../helpers/api-app';
import { multipartBody, rawRequest, sendAndVanish, type Part } from '../helpers/raw-http';
import { waitFor } from '../helpers/wait-for';

/**
 * Bad input, table-driven: each request gets the documented 4xx JSON error,
 * creates no job, leaves no file behind and never shows a stack trace or a server path.
 */
let app: ApiApp;
let knownJob: string;

beforeAll(async () => {
  app = await startApiApp({
    'server.max-file-size': 1000,
    'server.max-files': 2,
    'server.max-fields': 20,
    'server.max-field-size': 2000,
    'server.max-text-size': 5000,
    // The listing's query checks are tested here, so the listing is open (the default needs a token).
    'api.list-jobs': 'anyone',
  });
  const res = await rawRequest(
    `${app.baseUrl}/api/services/words/jobs`,
    'POST',
    { 'content-type': 'application/x-www-form-urlencoded' },
    'words=seed',
  );
  knownJob = res.json<{ id: string }>().id;
});
afterAll(async () => {
  await app?.close();
});

interface Case {
  name: string;
  method?: string;
  path: string | (() => string);
  headers?: Record<string, string>;
  body?: string | Buffer | (string | Buffer)[] | (() => string);
  /** For a 422: slivka's errorCode of the first error. */
  errorCode?: string;
  status: number;
  code: string;
  /** Extra fields of `error` (e.g. the limit's setting name). */
  details?: Record<string, unknown>;
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const multipart = (parts: Part[]) => {
  const { contentType, body } = multipartBody(parts);
  return { headers: { 'content-type': contentType }, body };
};
const fileOf = (bytes: number, name = 'input'): Part => ({
  name,
  filename: 'in.txt',
  value: 'x'.repeat(bytes),
});
const truncated = (() => {
  const { contentType, body } = multipartBody([fileOf(10)]);
  return { headers: { 'content-type': contentType }, body: body.subarray(0, body.length - 5) };
})();

const CASES: Case[] = [
  // malformed ids and unknown routes
  { name: 'job id with bad characters', path: '/api/jobs/!!!', status: 404, code: 'not_found' },
  { name: 'overlong job id', path: `/api/jobs/${'a'.repeat(300)}`, status: 404, code: 'not_found' },
  {
    name: 'well-formed unknown job id',
    path: '/api/jobs/AAAAAAAAAAAAAAAA',
    status: 404,
    code: 'not_found',
  },
  {
    name: 'job id with a broken %-escape',
    path: '/api/jobs/%E0%A4%A',
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'malformed upload id',
    path: '/api/files/..%2Fsettings.yaml',
    status: 404,
    code: 'not_found',
  },
  { name: 'unknown service', path: '/api/services/nope', status: 404, code: 'not_found' },
  { name: 'unknown API route', path: '/api/nothing/here', status: 404, code: 'not_found' },
  {
    name: 'job of another service',
    path: () => `/api/services/head/jobs/${knownJob}`,
    status: 404,
    code: 'not_found',
  },
  {
    name: 'output path escaping the job',
    path: () => `/api/jobs/${knownJob}/files/..%2F..%2Fsettings.yaml`,
    status: 404,
    code: 'not_found',
  },
  // wrong methods on known routes
  {
    name: 'POST /version',
    method: 'POST',
    path: '/api/version',
    status: 405,
    code: 'method_not_allowed',
  },
  {
    name: 'PUT /services/x/jobs',
    method: 'PUT',
    path: '/api/services/words/jobs',
    status: 405,
    code: 'method_not_allowed',
  },
  {
    name: 'GET /services/x/jobs',
    path: '/api/services/words/jobs',
    status: 405,
    code: 'method_not_allowed',
  },
  {
    name: 'DELETE /files',
    method: 'DELETE',
    path: '/api/files',
    status: 405,
    code: 'method_not_allowed',
  },
  {
    name: 'PATCH /jobs/x',
    method: 'PATCH',
    path: '/api/v1.1/jobs/abc',
    status: 405,
    code: 'method_not_allowed',
  },
  // bodies the server does not take
  {
    name: 'text/plain submission',
    method: 'POST',
    path: '/api/services/words/jobs',
    headers: { 'content-type': 'text/plain' },
    body: 'words=a',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'JSON upload to /files',
    method: 'POST',
    path: '/api/files',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'invalid JSON',
    method: 'POST',
    path: '/api/services/words/jobs',
    headers: { 'content-type': 'application/json' },
    body: '{',
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'JSON array body',
    method: 'POST',
    path: '/api/services/words/jobs',
    headers: { 'content-type': 'application/json' },
    body: '["a"]',
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'JSON nested object value',
    method: 'POST',
    path: '/api/services/words/jobs',
    headers: { 'content-type': 'application/json' },
    body: '{"words": {"a": 1}}',
    status: 400,
    code: 'invalid_json',
    details: { parameter: 'words' },
  },
  // malformed multipart
  {
    name: 'multipart without a boundary',
    method: 'POST',
    path: '/api/services/head/jobs',
    headers: { 'content-type': 'multipart/form-data' },
    body: 'x',
    status: 400,
    code: 'malformed_multipart',
  },
  {
    name: 'multipart missing its final boundary',
    method: 'POST',
    path: '/api/services/head/jobs',
    ...truncated,
    status: 400,
    code: 'malformed_multipart',
  },
  {
    name: 'multipart of garbage',
    method: 'POST',
    path: '/api/files',
    headers: { 'content-type': 'multipart/form-data; boundary=zzz' },
    body: 'this is not multipart at all',
    status: 400,
    code: 'malformed_multipart',
  },
  {
    name: 'file part without a name',
    method: 'POST',
    path: '/api/services/head/jobs',
    ...multipart([{ filename: 'a.fa', value: '>s\nAC\n' }]),
    status: 400,
    code: 'missing_field_name',
  },
  {
    name: 'upload without a file part',
    method: 'POST',
    path: '/api/files',
    ...multipart([{ name: 'file', value: 'text, not a file' }]),
    status: 400,
    code: 'file_missing',
  },
  // over the limits
  {
    name: 'file over max-file-size',
    method: 'POST',
    path: '/api/services/head/jobs',
    ...multipart([fileOf(1001)]),
    status: 413,
    code: 'file_too_large',
    details: { limit: 'server.max-file-size' },
  },
  {
    name: 'upload over max-file-size',
    method: 'POST',
    path: '/api/files',
    ...multipart([fileOf(5000, 'file')]),
    status: 413,
    code: 'file_too_large',
  },
  {
    name: 'more files than max-files',
    method: 'POST',
    path: '/api/services/head/jobs',
    ...multipart([fileOf(5), fileOf(5), fileOf(5)]),
    status: 413,
    code: 'too_many_files',
    details: { limit: 'server.max-files' },
  },
  {
    name: 'field over max-field-size',
    method: 'POST',
    path: '/api/services/words/jobs',
    headers: form,
    body: `words=${'a'.repeat(2001)}`,
    status: 413,
    code: 'field_too_large',
    details: { limit: 'server.max-field-size' },
  },
  {
    name: 'more fields than max-fields',
    method: 'POST',
    path: '/api/services/words/jobs',
    headers: form,
    body: Array.from({ length: 30 }, (_, i) => `w${i}=1`).join('&'),
    status: 413,
    code: 'too_many_fields',
    details: { limit: 'server.max-fields' },
  },
  {
    name: 'text fields over max-text-size in all',
    method: 'POST',
    path: '/api/services/words/jobs',
    headers: form,
    body: Array.from({ length: 3 }, () => `words=${'a'.repeat(1900)}`).join('&'),
    status: 413,
    code: 'text_too_large',
    details: { limit: 'server.max-text-size' },
  },
  {
    name: 'JSON value over max-field-size',
    method: 'POST',
    path: '/api/services/words/jobs',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ words: ['a'.repeat(3000)] }),
    status: 413,
    code: 'field_too_large',
    details: { limit: 'server.max-field-size' },
  },
  {
    name: 'JSON body over max-text-size',
    method: 'POST',
    path: '/api/services/words/jobs',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ words: Array.from({ length: 3 }, () => 'a'.repeat(1900)) }),
    status: 413,
    code: 'body_too_large',
    details: { limit: 'server.max-text-size' },
  },
  {
    name: 'JSON array items over max-fields',
    method: 'POST',
    path: '/api/services/words/jobs',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ words: Array.from({ length: 30 }, () => 'a') }),
    status: 413,
    code: 'too_many_fields',
    details: { limit: 'server.max-fields' },
  },
  {
    name: 'oversized file sent chunked',
    method: 'POST',
    path: '/api/services/head/jobs',
    ...(() => {
      const m = multipart([fileOf(3000)]);
      return { headers: m.headers, body: [m.body.subarray(0, 100), m.body.subarray(100)] };
    })(),
    status: 413,
    code: 'file_too_large',
  },
  // invalid values: slivka's 422
  {
    name: 'uploaded file that is not its media type',
    method: 'POST',
    path: '/api/services/head/jobs',
    ...multipart([{ name: 'input', filename: 'in.txt', value: Buffer.from('text\0binary\n') }]),
    status: 422,
    code: 'invalid_parameters',
    errorCode: 'media_type',
  },
  {
    name: 'file reference escaping a job directory',
    method: 'POST',
    path: '/api/services/head/jobs',
    headers: form,
    body: () => `input=${knownJob}/../../../../etc/passwd`,
    status: 422,
    code: 'invalid_parameters',
    errorCode: 'not_found',
  },
  {
    name: 'malformed file id',
    method: 'POST',
    path: '/api/services/head/jobs',
    headers: form,
    body: 'input=!!!',
    status: 422,
    code: 'invalid_parameters',
    errorCode: 'not_found',
  },
  // queries
  { name: 'bad status filter', path: '/api/jobs?status=DONE', status: 400, code: 'invalid_query' },
  { name: 'bad limit', path: '/api/jobs?limit=0', status: 400, code: 'invalid_query' },
  { name: 'bad cursor', path: '/api/jobs?cursor=%21%21', status: 400, code: 'invalid_query' },
  { name: 'bad since', path: '/api/jobs?since=yesterday', status: 400, code: 'invalid_query' },
  {
    name: 'bad wait',
    path: () => `/api/jobs/${knownJob}?wait=-1`,
    status: 400,
    code: 'invalid_query',
  },
];

function leftovers(): string[] {
  const dir = app.settings.directories.uploads;
  const incoming = path.join(dir, '.incoming');
  const list = (d: string): string[] => {
    try {
      return readdirSync(d);
    } catch {
      return [];
    }
  };
  return [...list(dir).filter((f) => f !== '.incoming'), ...list(incoming)];
}

async function jobCount(): Promise<number> {
  return (await app.store.listJobs({ limit: 500 })).jobs.length;
}

describe.each(CASES)('$name', (c) => {
  it(`answers ${c.status} ${c.code}, creates nothing, leaks nothing`, async () => {
    const uploadsBefore = leftovers();
    const jobsBefore = await jobCount();
    const target = typeof c.path === 'function' ? c.path() : c.path;
    const body = typeof c.body === 'function' ? c.body() : c.body;
    const res = await rawRequest(`${app.baseUrl}${target}`, c.method ?? 'GET', c.headers, body);
    expect(res.status).toBe(c.status);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const json = res.json<{ error: Record<string, unknown>; errors?: { errorCode: string }[] }>();
    expect(json.error).toMatchObject({ code: c.code, message: expect.any(String), ...c.details });
    if (c.errorCode) expect(json.errors?.[0].errorCode).toBe(c.errorCode);
    expect(res.text).not.toMatch(/\s+at\s|node_modules|\.ts:|\.js:/);
    expect(res.text).not.toContain(app.home.home);
    expect(await jobCount()).toBe(jobsBefore);
    await waitFor(
      async () => (leftovers().length === uploadsBefore.length ? true : undefined),
      'no leftover file',
      2_000,
    );
  });
});

describe('a client that vanishes mid-upload', () => {
  it('leaves no file and the server keeps answering', async () => {
    const before = leftovers();
    const port = Number(new URL(app.baseUrl).port);
    const boundary = 'VanishBoundary';
    await sendAndVanish(
      port,
      [
        'POST /api/services/head/jobs HTTP/1.1',
        'Host: 127.0.0.1',
        `Content-Type: multipart/form-data; boundary=${boundary}`,
        'Content-Length: 999999',
        '',
        `--${boundary}`,
        'Content-Disposition: form-data; name="input"; filename="a.txt"',
        '',
        'sixteen bytes!!!',
      ].join('\r\n'),
    );
    await waitFor(
      async () => (leftovers().length === before.length ? true : undefined),
      'cleanup',
      2_000,
    );
    expect((await rawRequest(`${app.baseUrl}/api/version`, 'GET')).status).toBe(200);
  });
});
