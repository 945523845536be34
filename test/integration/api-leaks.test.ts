import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { jobDirectoryRelative, newJobId } from '../../src/jobs';
import { startApiApp, type ApiApp } from '../helpers/api-app';
import { multipartBody, rawRequest } from '../helpers/raw-http';

/**
 * F13 of the security audit, through the real app: error bodies carry no internal error text, and
 * the agents' own records in a job directory are neither served nor usable as job inputs.
 */
let app: ApiApp;
let jobId: string;

beforeAll(async () => {
  app = await startApiApp();
  jobId = newJobId();
  await app.store.insertJob({
    id: jobId,
    service: 'head',
    inputs: {},
    parameters: {},
    workDir: jobDirectoryRelative(jobId),
  });
  const dir = path.join(app.settings.directories.jobs, jobDirectoryRelative(jobId));
  mkdirSync(path.join(dir, '.damson'), { recursive: true });
  writeFileSync(path.join(dir, 'stdout'), 'line\n');
  writeFileSync(path.join(dir, '.damson-exit-1'), '0\n');
  writeFileSync(path.join(dir, '.damson', 'engine-1.log'), 'engine\n');
});
afterAll(async () => {
  await app?.close();
});

/** Words of JavaScript and busboy errors that must never reach a client. */
const INTERNAL = /is not a function|TypeError|Unexpected end of form|Malformed part header|map\[/;

describe('error bodies carry no internal error text', () => {
  it('a multipart body cut short gets the generic message', async () => {
    const { contentType, body } = multipartBody([
      { name: 'input', filename: 'in.txt', value: 'abc\n' },
    ]);
    const res = await rawRequest(
      `${app.baseUrl}/api/services/head/jobs`,
      'POST',
      { 'content-type': contentType },
      body.subarray(0, body.length - 5),
    );
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({
      error: { code: 'malformed_multipart', message: 'The form body is malformed.' },
    });
  });

  it('a multipart part with a broken header gets the generic message', async () => {
    const boundary = 'b0undary';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="lines"\r\nbroken header line\r\n\r\n1\r\n--${boundary}--\r\n`;
    const res = await rawRequest(
      `${app.baseUrl}/api/services/head/jobs`,
      'POST',
      { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
    );
    expect(res.status).toBeLessThan(500);
    expect(res.text).not.toMatch(INTERNAL);
  });

  it('the urlencoded __proto__=x of the audit gets no internal text', async () => {
    const res = await rawRequest(
      `${app.baseUrl}/api/services/words/jobs`,
      'POST',
      { 'content-type': 'application/x-www-form-urlencoded' },
      '__proto__=x',
    );
    expect(res.status).toBeLessThan(500);
    expect(res.text).not.toMatch(INTERNAL);
  });
});

describe("the agents' records", () => {
  it.each(['.damson-exit-1', '.damson/engine-1.log'])(
    '%s cannot be a job input (422)',
    async (record) => {
      const res = await rawRequest(
        `${app.baseUrl}/api/services/head/jobs`,
        'POST',
        { 'content-type': 'application/x-www-form-urlencoded' },
        `input=${encodeURIComponent(`${jobId}/${record}`)}`,
      );
      expect(res.status).toBe(422);
      expect(res.text).not.toContain(app.home.home);
    },
  );

  it('an ordinary output of the same job can be', async () => {
    const res = await rawRequest(
      `${app.baseUrl}/api/services/head/jobs`,
      'POST',
      { 'content-type': 'application/x-www-form-urlencoded' },
      `input=${encodeURIComponent(`${jobId}/stdout`)}`,
    );
    expect(res.status).toBe(202);
  });
});
