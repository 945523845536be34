import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Settings } from '../../src/config/settings';
import type { JobStore } from '../../src/store/job-store';
import { REPO_ROOT } from '../helpers/damson-home';
import { multipartBody, rawRequest, sendAndCut } from '../helpers/raw-http';
import { startStoreApiApp, type StoreApiApp } from '../helpers/store-api-app';
import { waitFor } from '../helpers/wait-for';
import { uploadNames } from '../helpers/upload-names';

export const REUSE_SERVICES = path.join(REPO_ROOT, 'test/fixtures/reuse-services');

type JobBody = { id: string; status: string; parameters: Record<string, unknown> };

/**
 * `Idempotency-Key` and dry runs over HTTP, against each store: the guarantees live in the
 * store (one job per key across servers), so each store gets the whole scenario.
 */
export function idempotentSubmissionContract(
  name: string,
  openStore: (settings: Settings) => Promise<JobStore>,
): void {
  describe(`${name}: Idempotency-Key and dry runs over HTTP`, () => {
    let app: StoreApiApp;
    beforeAll(async () => {
      app = await startStoreApiApp(openStore, REUSE_SERVICES);
    });
    afterAll(() => app?.close());

    const submitUrl = (): string => `${app.baseUrl}/api/services/echo-args/jobs`;
    const jobsNamed = async (value: string): Promise<string[]> => {
      const page = await app.store.listJobs({ service: 'echo-args', limit: 500 });
      return page.jobs.filter((j) => j.parameters.name === value).map((j) => j.id);
    };
    const uploadFiles = (): string[] => {
      try {
        // The shared-content directory holds the bytes identical uploads share, not an upload.
        return uploadNames(readdirSync(app.settings.directories.uploads));
      } catch {
        return [];
      }
    };
    const post = (body: unknown, headers: Record<string, string> = {}, url = submitUrl()) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });

    test('20 retries cut mid-answer and a last one that is heard make exactly one job', async () => {
      const key = randomUUID();
      const before = uploadFiles().length;
      const { contentType, body } = multipartBody([
        { name: 'name', value: 'retried-20' },
        { name: 'input', filename: 'in.txt', value: 'the same bytes every time\n' },
      ]);
      const head =
        `POST /api/services/echo-args/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Content-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n` +
        `Idempotency-Key: ${key}\r\nConnection: close\r\n\r\n`;
      const request = Buffer.concat([Buffer.from(head), body]);
      let answered = 0;
      for (let i = 0; i < 20; i++) {
        // Even tries vanish once the answer starts (after 0-9 bytes of it); odd ones after
        // 0-9 ms, maybe before the server even read the body, so tries also overlap.
        const cut = i % 2 === 0 ? { afterResponseBytes: i / 2 } : { afterMs: (i - 1) / 2 };
        const got = await sendAndCut(app.port, request, cut);
        if (got.length > 0) answered++;
      }
      expect(answered).toBeGreaterThan(0);
      const last = await rawRequest(
        submitUrl(),
        'POST',
        { 'content-type': contentType, 'idempotency-key': key },
        body,
      );
      expect(last.status).toBe(202);
      expect(last.headers['idempotent-replayed']).toBe('true');
      const ids = await waitFor(async () => {
        const found = await jobsNamed('retried-20');
        if (found.length !== 1) throw new Error(`${found.length} jobs`);
        return found;
      }, 'the one job');
      expect(last.json<JobBody>().id).toBe(ids[0]);
      // One file kept (the job's input); every other try's copy is gone once its request ends.
      await waitFor(
        async () => (uploadFiles().length === before + 1 ? true : undefined),
        'the other tries to drop their files',
      );
      expect(await jobsNamed('retried-20')).toEqual(ids);
    });

    test('8 concurrent clients with one key get one job, 7 of them as replays', async () => {
      const key = `race-${randomUUID()}`;
      const answers = await Promise.all(
        Array.from({ length: 8 }, () =>
          post({ name: 'raced-8', count: 3 }, { 'idempotency-key': key }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(202));
      const bodies = (await Promise.all(answers.map((a) => a.json()))) as JobBody[];
      expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
      const replays = answers.filter((a) => a.headers.get('idempotent-replayed') === 'true');
      expect(replays).toHaveLength(7);
      expect(await jobsNamed('raced-8')).toEqual([bodies[0].id]);
    });

    test('the same values as JSON or as a form are the same request; other values are a 409', async () => {
      const key = randomUUID();
      const first = await post({ name: 'same-body', count: 4 }, { 'idempotency-key': key });
      expect(first.status).toBe(202);
      const asForm = await fetch(submitUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': key },
        body: 'count=4&name=same-body',
      });
      expect(asForm.status).toBe(202);
      expect(asForm.headers.get('idempotent-replayed')).toBe('true');
      expect(((await asForm.json()) as JobBody).id).toBe(((await first.json()) as JobBody).id);
      const other = await post({ name: 'same-body', count: 5 }, { 'idempotency-key': key });
      expect(other.status).toBe(409);
      expect(((await other.json()) as { error: { code: string } }).error.code).toBe(
        'idempotency_key_reused',
      );
      // Another scheduling hint is another request too.
      const lower = await post(
        { name: 'same-body', count: 4 },
        { 'idempotency-key': key },
        `${submitUrl()}?priority=-1`,
      );
      expect(lower.status).toBe(409);
      expect(await jobsNamed('same-body')).toHaveLength(1);
    });

    test('a malformed key is a 400 and records nothing', async () => {
      for (const key of [
        'short',
        'x'.repeat(256),
        'has space in it',
        'quote"inside',
        'ünïcödé-key',
      ]) {
        const res = await rawRequest(
          submitUrl(),
          'POST',
          { 'content-type': 'application/json', 'idempotency-key': key },
          JSON.stringify({ name: 'bad-key' }),
        );
        expect(res.status).toBe(400);
        expect(res.json<{ error: { code: string } }>().error.code).toBe('invalid_idempotency_key');
      }
      const quoted = await post({ name: 'quoted-key' }, { 'idempotency-key': '"a-quoted-key-1"' });
      expect(quoted.status).toBe(202);
      expect(await jobsNamed('bad-key')).toEqual([]);
    });

    test('a rerun with a key is made once; its overrides are part of the request', async () => {
      const original = (await (await post({ name: 'to-rerun', count: 2 })).json()) as JobBody;
      const rerunUrl = `${app.baseUrl}/api/jobs/${original.id}/rerun`;
      const key = randomUUID();
      const one = await post({ count: 3 }, { 'idempotency-key': key }, rerunUrl);
      const two = await post({ count: 3 }, { 'idempotency-key': key }, rerunUrl);
      expect([one.status, two.status]).toEqual([202, 202]);
      const [a, b] = (await Promise.all([one.json(), two.json()])) as (JobBody & {
        rerunOf: string;
      })[];
      expect(b.id).toBe(a.id);
      expect(a.rerunOf).toBe(original.id);
      expect(a.parameters).toEqual({ ...original.parameters, count: '3' });
      const other = await post({ count: 4 }, { 'idempotency-key': key }, rerunUrl);
      expect(other.status).toBe(409);
      expect(await jobsNamed('to-rerun')).toHaveLength(2);
    });

    test('a dry run validates, answers what would run, and creates nothing', async () => {
      const jobsBefore = (await app.store.listJobs({ limit: 500 })).jobs.length;
      const filesBefore = uploadFiles().sort();
      const { contentType, body } = multipartBody([
        { name: 'name', value: 'dry' },
        { name: 'mode', value: 'slow' },
        { name: 'input', filename: 'in.txt', value: 'dry bytes\n' },
      ]);
      const res = await rawRequest(
        `${submitUrl()}?dry-run=true`,
        'POST',
        { 'content-type': contentType },
        body,
      );
      expect(res.status).toBe(200);
      const answer = res.json<{
        argv: string[];
        environment: string[];
        files: { parameter: string; id: string | null; path: string }[];
      }>();
      expect(answer.argv).toEqual([
        'node',
        '$DAMSON_HOME/services/argv-dump.js',
        '--name=dry',
        '-n',
        '2',
        '--slow',
        '--input',
        'input.txt',
      ]);
      expect(answer.environment).toEqual(
        expect.arrayContaining(['PATH', 'DAMSON_HOME', 'TOOL_SETTING']),
      );
      expect(answer.files).toEqual([
        { parameter: 'input', id: null, path: 'uploads/(sent-with-request:input:0)' },
      ]);
      expect(res.text).not.toContain(app.home.home);
      const invalid = await post({ count: 10 }, {}, `${submitUrl()}?dry-run=true`);
      expect(invalid.status).toBe(422);
      expect((await app.store.listJobs({ limit: 500 })).jobs).toHaveLength(jobsBefore);
      expect(uploadFiles().sort()).toEqual(filesBefore);
    });
  });
}
