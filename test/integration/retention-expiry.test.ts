import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiClient, type JobBody } from '../helpers/api-client';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(90_000);

/** About 2.6 s: retention accelerated (the sweeper runs every second). */
const TINY_DAYS = 0.00003;
const TINY_MS = TINY_DAYS * 86_400_000;

const SLOW_SERVICE = [
  "slivka-version: '0.8.3'",
  'name: Slow copy',
  'parameters:',
  '  input: {name: Input, type: file}',
  '  seconds: {name: Seconds, type: integer, min: 0, max: 30, default: 0}',
  `command: [sh, -c, 'sleep "$1"; cat "$2"', slow]`,
  'args:',
  '  seconds: {arg: $(value)}',
  '  input: {arg: $(value)}',
  'outputs:',
  '  out: {path: stdout, name: Output, media-type: text/plain}',
  'execution:',
  '  runners:',
  '    default: {type: ShellRunner}',
  '',
].join('\n');

/** Bytes of every regular file below `root`. */
function fileBytes(root: string): number {
  let total = 0;
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

describe('visible expiry with an accelerated clock', () => {
  let services: string;
  let home: DamsonHome;
  let damson: RunningDamson;
  let api: ApiClient;
  const media = (): string => path.join(home.home, 'media');

  beforeAll(async () => {
    services = mkdtempSync(path.join(tmpdir(), 'damson-expiry-services-'));
    writeFileSync(path.join(services, 'slow.service.yaml'), SLOW_SERVICE);
    home = await makeDamsonHome(
      {
        'store.retention-days': TINY_DAYS,
        'store.upload-retention-days': TINY_DAYS,
        'store.retention-sweep-interval': 1000,
        'store.upload-orphan-age': 1000,
        'store.tombstone-days': 1,
      },
      services,
    );
    damson = await startDamson(home, ['start'], 45_000);
    api = new ApiClient(home.baseUrl);
  });

  afterAll(async () => {
    await damson?.stop();
    rmSync(services, { recursive: true, force: true });
    if (home) rmSync(home.home, { recursive: true, force: true });
  });

  it('shows expiresAt, answers 410 once expired, keeps what a live job uses, frees the disk', async () => {
    const baseline = fileBytes(media());
    // Job A: finishes at once and expires.
    const formA = new FormData();
    formA.set('input', new Blob(['a'.repeat(100_000)], { type: 'text/plain' }), 'a.txt');
    const submitted = await api.submit('slow', formA);
    expect(submitted.status).toBe(202);
    const a = await api.waitForState(submitted.body.id, ['COMPLETED']);
    const shown = a as JobBody & { expiresAt: string };
    const expected = Date.parse(`${a.completionTime}Z`) + TINY_MS;
    expect(Math.abs(Date.parse(`${shown.expiresAt}Z`) - expected)).toBeLessThan(1500);
    const [out] = await api.files(a.id);
    expect(await api.bytes(out['@content'])).toHaveLength(100_000);
    expect(fileBytes(media())).toBeGreaterThan(baseline + 150_000);

    // Upload F, then job B uses it and runs well past F's retention.
    const formF = new FormData();
    formF.set('file', new Blob(['kept'], { type: 'text/plain' }), 'f.txt');
    const upload = await api.json<{ id: string; expiresAt: string }>('/api/files', {
      method: 'POST',
      body: formF,
    });
    expect(upload.status).toBe(201);
    expect(upload.body.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    const formB = new FormData();
    formB.set('input', upload.body.id);
    formB.set('seconds', '10');
    const b = await api.submit('slow', formB);
    expect(b.status).toBe(202);
    const uploadFile = path.join(home.home, 'media/uploads', upload.body.id);

    // A expires: 410 with when, for the job, its file listing, one file and its bytes.
    const gone = await waitFor(
      async () => {
        const res = await api.json<{ error: { code: string; expiredAt: string } }>(
          `/api/jobs/${a.id}`,
        );
        return res.status === 410 ? res : undefined;
      },
      'job A to expire',
      20_000,
    );
    expect(gone.body.error.code).toBe('expired');
    expect(gone.body.error.expiredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect((await api.json(`/api/jobs/${a.id}/files`)).status).toBe(410);
    expect((await api.json(`/api/jobs/${a.id}/files/stdout`)).status).toBe(410);
    expect((await fetch(`${home.baseUrl}${out['@content']}`)).status).toBe(410);
    // An id that never existed is still 404.
    expect((await api.json('/api/jobs/AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);

    // F is past its retention (and two sweeps more), but B still runs with it: kept.
    const sweptPastF = Date.parse(`${upload.body.expiresAt}Z`) + 1000 + 2 * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, sweptPastF - Date.now())));
    const running = await api.job(b.body.id);
    expect(['QUEUED', 'RUNNING']).toContain(running.status);
    expect(existsSync(uploadFile)).toBe(true);
    expect((await api.json(`/api/files/${upload.body.id}`)).status).toBe(200);

    const finishedB = await api.waitForState(b.body.id, ['COMPLETED'], 20_000);
    expect(await api.bytes((await api.files(finishedB.id))[0]['@content'])).toBe('kept');
    // Then everything goes, and the disk is back where it started.
    await waitFor(
      async () => (fileBytes(media()) === baseline ? true : undefined),
      'disk usage to return to its baseline',
      20_000,
      200,
    );
    expect(existsSync(uploadFile)).toBe(false);
    expect((await api.json(`/api/jobs/${b.body.id}`)).status).toBe(410);
  });
});
