import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { PARTIAL_UPLOAD_PREFIX } from '../../src/jobs';
import { startApiApp, type ApiApp } from '../helpers/api-app';
import { waitFor } from '../helpers/wait-for';
import { uploadNames } from '../helpers/upload-names';

/**
 * An upload being received is on disk under `.partial-<random>` and gets its upload id only when
 * the request commits, so whatever a crash leaves behind is recognisable as unfinished.
 */
let app: ApiApp;
beforeAll(async () => {
  app = await startApiApp();
});
afterAll(async () => {
  await app?.close();
});

test('an upload is .partial-* until the request commits, then its upload id', async () => {
  const boundary = 'PartialNameBoundary';
  const uploads = app.settings.directories.uploads;
  let answer: { status: number; body: string } | null = null;
  const req = request(`${app.baseUrl}/api/files`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
  const response = new Promise<void>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        answer = { status: res.statusCode ?? 0, body };
        resolve();
      });
    });
    req.on('error', reject);
  });
  req.write(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n`,
  );
  // More than the in-memory threshold, so the part streams to disk while the body is still open.
  req.write(Buffer.alloc(200 * 1024, 'a'));
  const during = await waitFor(async () => {
    const names = readdirSync(uploads);
    return names.length ? names : undefined;
  }, 'the part to reach the disk');
  expect(during).toHaveLength(1);
  expect(during[0].startsWith(PARTIAL_UPLOAD_PREFIX)).toBe(true);
  expect(answer).toBeNull();
  req.end(`\r\n--${boundary}--\r\n`);
  await response;
  expect(answer!.status).toBe(201);
  const { id } = JSON.parse(answer!.body) as { id: string };
  expect(uploadNames(readdirSync(uploads))).toEqual([id]);
  expect(id.startsWith('.')).toBe(false);
});
