import { request } from 'node:http';
import { loadSettings } from '../../src/config/load-settings';
import { startApiApp, type ApiApp } from '../helpers/api-app';
import { makeDamsonHome } from '../helpers/damson-home';
import { rawRequest } from '../helpers/raw-http';

/**
 * Audit F3: text fields were held in memory with no total cap (1000 fields × 10 MiB). Now all
 * text of one request counts against `server.max-text-size`; over it the request is refused with
 * 413 at once, before the client has finished sending, and nothing more of it is parsed.
 */
const MiB = 1024 * 1024;
const FIELD_BYTES = 256 * 1024;
const BOUNDARY = 'DamsonTextCapBoundary';

let app: ApiApp;

beforeAll(async () => {
  app = await startApiApp({
    'server.max-text-size': MiB,
    'server.max-field-size': MiB,
    'server.max-fields': 1000,
  });
});
afterAll(async () => {
  await app?.close();
});

function fieldPart(name: string, bytes: number): Buffer {
  return Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${'a'.repeat(bytes)}\r\n`,
  );
}

interface Answer {
  status: number;
  body: Record<string, { code: string; limit: string; message: string }>;
  /** Bytes the client had written when the answer came. */
  sentBytes: number;
}

/**
 * Streams 256 KiB text fields one by one, never ending the body (up to `maxFields`), and reports
 * the answer: the server must refuse while the request is still open.
 */
function streamFields(url: string, maxFields: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const at = sentBytes;
          req.destroy();
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Answer['body'],
            sentBytes: at,
          });
        });
      },
    );
    req.on('error', (error) => (answered ? undefined : reject(error)));
    let sent = 0;
    const next = (): void => {
      if (answered) return;
      if (sent === maxFields) {
        reject(new Error(`no answer after ${sentBytes} bytes of an unfinished body`));
        req.destroy();
        return;
      }
      const part = fieldPart(`w${sent++}`, FIELD_BYTES);
      sentBytes += part.length;
      req.write(part, () => setTimeout(next, 5));
    };
    next();
  });
}

test('text fields past max-text-size get 413 naming the limit before the body ends', async () => {
  // 40 fields would be 10 MiB; the cap is 1 MiB, so the answer must come after about 4.
  const answer = await streamFields(`${app.baseUrl}/api/services/words/jobs`, 40);
  expect(answer.status).toBe(413);
  expect(answer.body.error).toMatchObject({
    code: 'text_too_large',
    limit: 'server.max-text-size',
  });
  expect(answer.body.error.message).toContain(String(MiB));
  // Well before the body's 10 MiB: the cap stops the read (a busy machine answers a few fields late).
  expect(answer.sentBytes).toBeLessThan(5 * MiB);
  const after = await rawRequest(
    `${app.baseUrl}/api/services/words/jobs`,
    'POST',
    { 'content-type': 'application/x-www-form-urlencoded' },
    'words=still-here',
  );
  expect(after.status).toBe(202);
}, 30_000);

test('the same cap holds on the urlencoded path and for a JSON body', async () => {
  const words = Array.from({ length: 5 }, () => `words=${'b'.repeat(FIELD_BYTES)}`).join('&');
  const form = await rawRequest(
    `${app.baseUrl}/api/services/words/jobs`,
    'POST',
    { 'content-type': 'application/x-www-form-urlencoded' },
    words,
  );
  expect(form.status).toBe(413);
  expect(form.json<Answer['body']>().error).toMatchObject({
    code: 'text_too_large',
    limit: 'server.max-text-size',
  });
  const json = await rawRequest(
    `${app.baseUrl}/api/services/words/jobs`,
    'POST',
    { 'content-type': 'application/json' },
    JSON.stringify({ words: Array.from({ length: 5 }, () => 'c'.repeat(FIELD_BYTES)) }),
  );
  expect(json.status).toBe(413);
  expect(json.json<Answer['body']>().error).toMatchObject({
    code: 'body_too_large',
    limit: 'server.max-text-size',
  });
});

test('text just under the cap is read whole (and judged by the service)', async () => {
  const words = Array.from({ length: 3 }, () => `words=${'d'.repeat(FIELD_BYTES)}`).join('&');
  const res = await rawRequest(
    `${app.baseUrl}/api/services/words/jobs`,
    'POST',
    { 'content-type': 'application/x-www-form-urlencoded' },
    words,
  );
  // The words service bounds a word's length: a 422 on the values means the body was read.
  expect(res.status).toBe(422);
  expect(res.json<{ errors: { parameter: string }[] }>().errors[0].parameter).toBe('words');
});

test('server.max-text-size is validated at load and defaults to 16 MiB', async () => {
  const bad = await makeDamsonHome({ 'server.max-text-size': 0 });
  expect(() => loadSettings({ DAMSON_HOME: bad.home })).toThrow(/max-text-size/);
  const plain = await makeDamsonHome();
  const settings = loadSettings({ DAMSON_HOME: plain.home });
  expect(settings.server.maxTextBytes).toBe(16 * MiB);
  expect(settings.server.maxFieldBytes).toBe(MiB);
});
