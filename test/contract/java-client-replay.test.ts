import path from 'node:path';
import { makeDamsonHome, REPO_ROOT, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { rawRequest, type RawResponse } from '../helpers/raw-http';
import { waitFor } from '../helpers/wait-for';

/**
 * Replays, byte for byte in shape, the requests of slivka's Java client (warownia1/slivka-java-client,
 * branch dev, the one Jalview uses) against `damson start`, and checks each response the way
 * that client reads it (org.json getString/getJSONArray, `(Integer) opt(...)`, exact statuses).
 */
jest.setTimeout(60_000);

const FIXTURE_SERVICES = path.join(REPO_ROOT, 'test/fixtures/acceptance/services');
const JAVA_STATUSES = [
  'PENDING',
  'REJECTED',
  'ACCEPTED',
  'QUEUED',
  'RUNNING',
  'COMPLETED',
  'INTERRUPTED',
  'DELETED',
  'FAILED',
  'ERROR',
  'UNKNOWN',
];
const FINISHED = ['REJECTED', 'COMPLETED', 'INTERRUPTED', 'DELETED', 'FAILED', 'ERROR'];
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/;
const BOUNDARY = 'x7Hq2JavaClientBoundaryKb9';
const FASTA = '>seq1\nACDEFGHIK\n';

let home: DamsonHome;
let damson: RunningDamson;
let base: URL;

beforeAll(async () => {
  home = await makeDamsonHome({}, FIXTURE_SERVICES);
  damson = await startDamson(home);
  base = new URL(`${home.baseUrl}/`);
});
afterAll(async () => {
  await damson?.stop();
});

type Json = Record<string, unknown>;

/** The Java client sends no Accept header; the URL is `client.getUrl().resolve(path)`. */
const javaGet = (ref: string): Promise<RawResponse> => rawRequest(new URL(ref, base).href, 'GET');

function getString(obj: Json, key: string): string {
  expect(typeof obj[key]).toBe('string');
  return obj[key] as string;
}

/** httpmime STRICT mode: text parts with charset and transfer encoding, streamed (chunked). */
function strictMultipart(texts: [string, Buffer][], files: [string, Buffer][]): Buffer[] {
  const parts: Buffer[] = [];
  for (const [name, value] of texts) {
    parts.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n` +
          'Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n',
        'latin1',
      ),
      value,
      Buffer.from('\r\n'),
    );
  }
  for (const [name, value] of files) {
    parts.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="file"\r\n` +
          'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n',
      ),
      value,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return parts;
}

const MULTIPART = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };

/**
 * The SimpleHttpClient layer: every text field is a part with `Content-Type:
 * application/octet-stream` and no filename, and the last value gets a stray `\r\n` (a client
 * bug). It throws on file parts, so files go by upload id.
 */
function simpleClientMultipart(texts: [string, string][]): Buffer {
  const parts = texts.map(
    ([name, value], i) =>
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n${value}${i === texts.length - 1 ? '\r\n' : ''}\r\n`,
  );
  return Buffer.from(`${parts.join('')}--${BOUNDARY}--\r\n`);
}

/** Apache layer, `uploadFile(java.io.File)`: the file's name and a known length (not chunked). */
function filePartMultipart(filename: string, value: string): Buffer {
  return Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      `Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n${value}\r\n--${BOUNDARY}--\r\n`,
  );
}

function checkJob(job: Json): void {
  getString(job, '@url');
  getString(job, 'id');
  getString(job, 'service');
  expect(getString(job, 'submissionTime')).toMatch(TIMESTAMP);
  expect(JAVA_STATUSES).toContain(getString(job, 'status'));
  expect('completionTime' in job).toBe(true);
  const parameters = job.parameters as Json;
  expect(typeof parameters).toBe('object');
  for (const value of Object.values(parameters)) {
    const ok =
      typeof value === 'string' ||
      (Array.isArray(value) && value.every((v) => typeof v === 'string'));
    expect(ok).toBe(true);
  }
}

function checkFile(file: Json): void {
  getString(file, '@url');
  getString(file, '@content');
  getString(file, 'id');
  for (const key of ['jobId', 'path', 'label', 'mediaType']) expect(key in file).toBe(true);
}

async function runToEnd(jobUrl: string): Promise<Json> {
  return waitFor(
    async () => {
      const res = await javaGet(jobUrl);
      expect(res.status).toBe(200);
      const job = res.json<Json>();
      expect(JAVA_STATUSES).toContain(job.status);
      return FINISHED.includes(job.status as string) ? job : undefined;
    },
    `job ${jobUrl} to finish`,
    30_000,
  );
}

async function contentOf(files: Json[], filePath: string): Promise<RawResponse> {
  const file = files.find((f) => f.path === filePath)!;
  checkFile(file);
  return javaGet(file['@content'] as string);
}

describe('the Java client (dev branch), both HTTP layers (Apache, SimpleHttpClient), replayed', () => {
  let uploadId: string;
  let serviceUrl: string;

  it('getVersion(): GET api/version, exactly 200, two strings', async () => {
    const res = await javaGet('api/version');
    expect(res.status).toBe(200);
    const body = res.json<Json>();
    expect(getString(body, 'APIVersion')).toBe('1.1');
    getString(body, 'slivkaVersion');
  });

  it('getServices(): every key it reads has the type it casts to', async () => {
    const res = await javaGet('api/services');
    expect(res.status).toBe(200);
    const services = res.json<{ services: Json[] }>().services;
    const echo = services.find((s) => s.id === 'echo')!;
    for (const key of ['@url', 'id', 'name', 'description', 'author', 'version', 'license'])
      getString(echo, key);
    for (const key of ['classifiers', 'parameters', 'presets'])
      expect(Array.isArray(echo[key])).toBe(true);
    const status = echo.status as Json;
    for (const key of ['status', 'errorMessage', 'timestamp']) getString(status, key);
    for (const p of echo.parameters as Json[]) {
      for (const key of ['id', 'name', 'type']) getString(p, key);
      if (p.type === 'integer' || p.type === 'text') {
        for (const key of ['min', 'max', 'minLength', 'maxLength']) {
          // (Integer) obj.opt(key): absent or a 32-bit integer, never null
          if (key in p)
            expect(Number.isInteger(p[key]) && Math.abs(p[key] as number) < 2 ** 31).toBe(true);
        }
      }
      if (p.type === 'choice')
        expect((p.choices as unknown[]).every((c) => typeof c === 'string')).toBe(true);
      if (p.type === 'file' && p.mediaTypeParameters)
        expect(Object.keys(p.mediaTypeParameters as Json)).toEqual([]);
    }
    serviceUrl = echo['@url'] as string;
    expect(serviceUrl).toBe('/api/services/echo');
  });

  it('uploadFile(InputStream): chunked multipart part "file", exactly 201', async () => {
    const res = await rawRequest(
      new URL('api/files', base).href,
      'POST',
      MULTIPART,
      strictMultipart([], [['file', Buffer.from(FASTA)]]),
    );
    expect(res.status).toBe(201);
    const file = res.json<Json>();
    checkFile(file);
    // As slivka: the part's filename is the label and its declared type the mediaType.
    expect([file.label, file.mediaType]).toEqual(['file', 'application/octet-stream']);
    uploadId = file.id as string;
    expect(uploadId).toMatch(/^[A-Za-z0-9_-]+$/);
    expect((await javaGet(file['@content'] as string)).text).toBe(FASTA);
  });

  it('uploadFile(File): the file name is the label, also on GET api/files/{id}', async () => {
    const res = await rawRequest(
      new URL('api/files', base).href,
      'POST',
      MULTIPART,
      filePartMultipart('seqs.fa', FASTA),
    );
    expect(res.status).toBe(201);
    const file = res.json<Json>();
    expect([file.label, file.mediaType]).toEqual(['seqs.fa', 'application/octet-stream']);
    const again = await javaGet(file['@url'] as string);
    expect(again.status).toBe(200);
    expect(again.json<Json>()).toMatchObject({
      label: 'seqs.fa',
      mediaType: 'application/octet-stream',
    });
  });

  it('SimpleHttpClient submitJob(): octet-stream parts without filename are fields, 202', async () => {
    const res = await rawRequest(
      new URL(`${serviceUrl}/jobs`, base).href,
      'POST',
      MULTIPART,
      simpleClientMultipart([
        ['input', uploadId],
        ['words', 'hello world'],
        ['words', 'again'],
        ['upper', 'true'],
        ['mode', 'slow'],
        ['count', '4'],
      ]),
    );
    expect(res.status).toBe(202);
    const job = res.json<Json>();
    checkJob(job);
    expect(job.parameters).toMatchObject({
      input: uploadId,
      words: ['hello world', 'again'],
      upper: 'true',
      mode: 'slow',
      count: '4',
    });
    const done = await runToEnd(job['@url'] as string);
    expect(done.status).toBe('COMPLETED');
  });

  it('SimpleHttpClient: an out-of-range value in such a part is refused, not dropped', async () => {
    const res = await rawRequest(
      new URL(`${serviceUrl}/jobs`, base).href,
      'POST',
      MULTIPART,
      simpleClientMultipart([
        ['input', uploadId],
        ['count', '11'],
      ]),
    );
    expect(res.status).toBe(422);
    expect(res.json<{ errors: Json[] }>().errors).toEqual([
      expect.objectContaining({ parameter: 'count', errorCode: 'max_value' }),
    ]);
  });

  it('submitJob() without files: urlencoded UTF-8, exactly 202, then polls to COMPLETED', async () => {
    const res = await rawRequest(
      new URL(`${serviceUrl}/jobs`, base).href,
      'POST',
      { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      `input=${uploadId}&upper=true&words=hello+world&words=again&count=3`,
    );
    expect(res.status).toBe(202);
    const job = res.json<Json>();
    checkJob(job);
    expect(job.completionTime).toBeNull();
    expect(job.parameters).toMatchObject({
      input: uploadId,
      upper: 'true',
      words: ['hello world', 'again'],
      count: '3',
    });
    const done = await runToEnd(job['@url'] as string);
    expect(done.status).toBe('COMPLETED');
    expect(done.completionTime).toMatch(TIMESTAMP);
    const files = await javaGet(`${new URL(job['@url'] as string, base).pathname}/files`);
    expect(files.status).toBe(200);
    const list = files.json<{ files: Json[] }>().files;
    const stdout = await contentOf(list, 'stdout');
    expect(stdout.status).toBe(200);
    expect(stdout.text).toBe(FASTA.toUpperCase());
  });

  it('submitJob() with a file: STRICT multipart, ISO-8859-1 text parts, chunked, exactly 202', async () => {
    const res = await rawRequest(
      new URL(`${serviceUrl}/jobs`, base).href,
      'POST',
      MULTIPART,
      strictMultipart(
        [
          ['count', Buffer.from('2')],
          ['label', Buffer.from('café', 'latin1')],
          ['upper', Buffer.from('false')],
        ],
        [['input', Buffer.from(FASTA)]],
      ),
    );
    expect(res.status).toBe(202);
    const job = res.json<Json>();
    checkJob(job);
    expect(job.parameters).toMatchObject({ count: '2', label: 'café' });
    expect(job.parameters).not.toHaveProperty('upper');
    const got = await javaGet(`api/jobs/${job.id as string}`);
    expect(got.status).toBe(200);
    checkJob(got.json<Json>());
    const done = await runToEnd(job['@url'] as string);
    expect(done.status).toBe('COMPLETED');
    const list = (await javaGet(`${job['@url'] as string}/files`)).json<{ files: Json[] }>().files;
    expect((await contentOf(list, 'output.txt')).text).toBe(FASTA);
  });

  it('invalid input: 422 with errors[].parameter/errorCode/message', async () => {
    const res = await rawRequest(
      new URL(`${serviceUrl}/jobs`, base).href,
      'POST',
      { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      'count=11',
    );
    expect(res.status).toBe(422);
    const errors = res.json<{ errors: Json[] }>().errors;
    expect(errors).toEqual(
      expect.arrayContaining([
        { parameter: 'input', errorCode: 'required', message: 'Field is required' },
        expect.objectContaining({ parameter: 'count', errorCode: 'max_value' }),
      ]),
    );
  });
});
