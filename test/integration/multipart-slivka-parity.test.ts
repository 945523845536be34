import { startApiApp, type ApiApp } from '../helpers/api-app';

/**
 * Multipart as slivka reads it, in process: an `application/octet-stream` part without a
 * filename is a field (the Java client's SimpleHttpClient sends every field so), and an upload
 * keeps its part's filename as `label` and its declared type as `mediaType`.
 */
let app: ApiApp;
const BOUNDARY = 'parityBoundary7f';

beforeAll(async () => {
  app = await startApiApp();
});
afterAll(async () => {
  await app?.close();
});

function multipart(parts: { name: string; value: string; headers?: string }[]): string {
  return (
    parts
      .map(
        (p) =>
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"${p.headers ?? ''}\r\n\r\n${p.value}\r\n`,
      )
      .join('') + `--${BOUNDARY}--\r\n`
  );
}

const post = (url: string, body: string) =>
  fetch(`${app.baseUrl}${url}`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    body,
  });

const OCTET = '\r\nContent-Type: application/octet-stream';

test('octet-stream parts without a filename are fields, their values used', async () => {
  const res = await post(
    '/api/services/words/jobs',
    multipart([
      { name: 'words', value: 'alpha', headers: OCTET },
      { name: 'words', value: 'beta', headers: OCTET },
      { name: 'repeat', value: '3', headers: OCTET },
    ]),
  );
  expect(res.status).toBe(202);
  const job = (await res.json()) as { parameters: Record<string, unknown> };
  expect(job.parameters).toMatchObject({ words: ['alpha', 'beta'], repeat: '3' });
});

test('such a part is checked like any field (not silently replaced by the default)', async () => {
  const res = await post(
    '/api/services/words/jobs',
    multipart([
      { name: 'words', value: 'alpha' },
      { name: 'repeat', value: '9', headers: OCTET },
    ]),
  );
  expect(res.status).toBe(422);
  const body = (await res.json()) as { errors: { parameter: string; errorCode: string }[] };
  expect(body.errors).toEqual([
    expect.objectContaining({ parameter: 'repeat', errorCode: 'max_value' }),
  ]);
});

test('and it is held to the field size limit', async () => {
  const big = 'x'.repeat(app.settings.server.maxFieldBytes + 1);
  const res = await post(
    '/api/services/words/jobs',
    multipart([{ name: 'words', value: big, headers: OCTET }]),
  );
  expect(res.status).toBe(413);
});

test('POST /api/files keeps the filename as label and the declared type as mediaType', async () => {
  const res = await post(
    '/api/files',
    multipart([
      {
        name: 'file',
        value: '>s\nACGT\n',
        headers: '; filename="seqs.fa"\r\nContent-Type: application/x-fasta',
      },
    ]),
  );
  expect(res.status).toBe(201);
  const file = (await res.json()) as { '@url': string; label: string; mediaType: string };
  expect([file.label, file.mediaType]).toEqual(['seqs.fa', 'application/x-fasta']);
  const again = (await (await fetch(`${app.baseUrl}${file['@url']}`)).json()) as typeof file;
  expect([again.label, again.mediaType]).toEqual(['seqs.fa', 'application/x-fasta']);
});

test('an empty filename (slivka_client.upload_file()) is an empty label', async () => {
  const res = await post(
    '/api/files',
    multipart([{ name: 'file', value: 'data', headers: '; filename=""' }]),
  );
  expect(res.status).toBe(201);
  expect(((await res.json()) as { label: string }).label).toBe('');
});
