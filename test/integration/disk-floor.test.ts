import { execFileSync } from 'node:child_process';
import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiClient } from '../helpers/api-client';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(90_000);

/**
 * `store.min-free-disk` on a real full disk: the jobs and uploads directories live on an 8 MiB
 * tmpfs. Mounting needs root; elsewhere the suite is skipped with a message.
 */
const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('disk-floor: skipped, mounting a tmpfs needs root (run as root in CI).');
const describeAsRoot = isRoot ? describe : describe.skip;

const MiB = 1024 * 1024;
const COPY_SERVICE = [
  "slivka-version: '0.8.3'",
  'name: Copy',
  'parameters:',
  '  input: {name: Input, type: text}',
  'command: [sh, -c, \'printf %s "$1"\', copy]',
  'args:',
  '  input: {arg: $(value)}',
  'outputs:',
  '  out: {path: stdout, name: Output, media-type: text/plain}',
  'execution:',
  '  runners:',
  '    default: {type: ShellRunner}',
  '',
].join('\n');

describeAsRoot('disk-space floor', () => {
  let services: string;
  let home: DamsonHome;
  let disk: string;
  let damson: RunningDamson;
  let api: ApiClient;

  beforeAll(async () => {
    services = mkdtempSync(path.join(tmpdir(), 'damson-disk-services-'));
    writeFileSync(path.join(services, 'copy.service.yaml'), COPY_SERVICE);
    home = await makeDamsonHome(
      {
        'directory.jobs': './disk/jobs',
        'directory.uploads': './disk/uploads',
        'store.min-free-disk': '3MiB',
        'scheduler.poll-interval': 200,
      },
      services,
    );
    const target = path.join(home.home, 'disk');
    mkdirSync(target);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', target]);
    disk = target;
    mkdirSync(path.join(disk, 'jobs'), { mode: 0o700 });
    mkdirSync(path.join(disk, 'uploads'), { mode: 0o700 });
    damson = await startDamson(home, ['start'], 45_000);
    api = new ApiClient(home.baseUrl);
  });

  afterAll(async () => {
    await damson?.stop();
    if (disk) execFileSync('umount', [disk]);
    rmSync(services, { recursive: true, force: true });
    if (home) rmSync(home.home, { recursive: true, force: true });
  });

  /** Fills the tmpfs, then gives back `leaveFree` bytes. */
  function fill(leaveFree: number): string {
    const filler = path.join(disk, 'filler');
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(64 * 1024, 1);
    let size = 0;
    try {
      for (;;) size += writeSync(fd, chunk);
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    ftruncateSync(fd, Math.max(0, size - leaveFree));
    closeSync(fd);
    return filler;
  }

  const submit = (value: string, query = '') =>
    api.json<{ id: string; error?: { code: string; retryAfterSeconds: number } }>(
      `/api/services/copy/jobs${query}`,
      { method: 'POST', body: new URLSearchParams({ input: value }) },
    );

  it('stops claiming and refuses new work below the floor, loses nothing, resumes with space', async () => {
    // Stored before the disk fills, due while it is full.
    const waiting = await submit('kept', '?not-before=2');
    expect(waiting.status).toBe(202);
    const filler = fill(1 * MiB);

    const refused = await waitFor(async () => {
      const res = await submit('refused');
      return res.status === 503 ? res : undefined;
    }, 'submissions to be refused');
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(refused.body.error).toMatchObject({ code: 'disk_space_low', retryAfterSeconds: 60 });
    const upload = new FormData();
    upload.set('file', new Blob(['x']), 'x.txt');
    const uploaded = await api.json('/api/files', { method: 'POST', body: upload });
    expect(uploaded.status).toBe(503);
    const services = await api.json<{
      services: { status: { status: string; errorMessage: string } }[];
    }>('/api/services');
    expect(services.body.services[0].status.status).toBe('DOWN');
    expect(services.body.services[0].status.errorMessage).toMatch(/store\.min-free-disk/);

    // Due for a while now, but never claimed while space is short.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(['PENDING', 'QUEUED']).toContain((await api.job(waiting.body.id)).status);

    rmSync(filler);
    const done = await api.waitForState(waiting.body.id, ['COMPLETED'], 30_000);
    expect(await api.bytes((await api.files(done.id))[0]['@content'])).toBe('kept');
    const accepted = await waitFor(async () => {
      const res = await submit('after');
      return res.status === 202 ? res : undefined;
    }, 'submissions to be accepted again');
    expect((await api.waitForState(accepted.body.id, ['COMPLETED'])).status).toBe('COMPLETED');
  });
});
