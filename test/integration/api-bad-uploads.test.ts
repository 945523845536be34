import { rawRequest, multipartBody, sendAndVanish } from '../helpers/raw-http';
import { waitFor } from '../helpers/wait-for';
import {
  badInputServer,
  describeBadInput,
  fileOf,
  form,
  leftovers,
  multipart,
  type BadInputCase,
} from '../helpers/bad-input';

// Uploads that break the multipart format or the limits: each is refused with its error and
// leaves no file behind, nor does a client that vanishes mid-upload.
const server = badInputServer();

const truncated = (() => {
  const { contentType, body } = multipartBody([fileOf(10)]);
  return { headers: { 'content-type': contentType }, body: body.subarray(0, body.length - 5) };
})();

const CASES: BadInputCase[] = [
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
];

describeBadInput(server, CASES);

describe('a client that vanishes mid-upload', () => {
  it('leaves no file and the server keeps answering', async () => {
    const before = leftovers(server.app);
    const port = Number(new URL(server.app.baseUrl).port);
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
      async () => (leftovers(server.app).length === before.length ? true : undefined),
      'cleanup',
      2_000,
    );
    expect((await rawRequest(`${server.app.baseUrl}/api/version`, 'GET')).status).toBe(200);
  });
});
