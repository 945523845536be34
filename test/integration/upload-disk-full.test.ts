import { execFileSync } from 'node:child_process';
import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  statfsSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { multipartBody, rawRequest, type Part, type RawResponse } from '../helpers/raw-http';
import { uploadNames } from '../helpers/upload-names';

/**
 * Audit F4: a failed write of an upload part (here ENOSPC on a 2 MiB tmpfs) crashed the server
 * with an unhandled rejection and left a partial file. Now: 507 with a JSON body, logged, no file
 * left, and the server answers normally afterwards. The server runs as its own process so a crash
 * is seen. Mounting needs root; elsewhere the suite is skipped with a message.
 */
const isRoot = process.getuid?.() === 0;
if (!isRoot) {
  console.warn('upload-disk-full: skipped, mounting a tmpfs needs root (run as root in CI).');
}
const describeAsRoot = isRoot ? describe : describe.skip;

const MB = 1_000_000;
const MiB = 1024 * 1024;

describeAsRoot('uploads on a full disk', () => {
  let home: DamsonHome;
  let disk: string;
  let uploads: string;
  let filler: string;
  let server: RunningDamson;

  beforeAll(async () => {
    home = await makeDamsonHome({
      'directory.uploads': './disk/uploads',
      'server.max-file-size': 10 * MB,
      // The write itself must meet the full disk here, not the floor that refuses it first.
      'store.min-free-disk': 0,
    });
    disk = path.join(home.home, 'disk');
    uploads = path.join(disk, 'uploads');
    filler = path.join(disk, 'filler');
    mkdirSync(disk);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', disk]);
    mkdirSync(uploads);
    server = await startDamson(home, ['server']);
  }, 30_000);

  afterAll(async () => {
    await server?.stop();
    if (disk) execFileSync('umount', [disk]);
  });

  const freeBytes = (): number => {
    const s = statfsSync(disk);
    return s.bavail * s.bsize;
  };

  /** Fills the tmpfs, then gives back `leaveFree` bytes. */
  function fill(leaveFree: number): void {
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(64 * 1024, 1);
    let size = 0;
    try {
      for (;;) size += writeSync(fd, chunk);
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    if (leaveFree) ftruncateSync(fd, Math.max(0, size - leaveFree));
    closeSync(fd);
  }

  function send(url: string, parts: Part[]): Promise<RawResponse> {
    const { contentType, body } = multipartBody(parts);
    return rawRequest(`${home.baseUrl}${url}`, 'POST', { 'content-type': contentType }, body);
  }

  const file = (bytes: number, name = 'file'): Part => ({
    name,
    filename: 'data.txt',
    value: Buffer.alloc(bytes, 'a'),
  });

  async function expectInsufficientStorage(res: RawResponse): Promise<void> {
    expect(res.status).toBe(507);
    expect(res.json()).toEqual({
      error: {
        code: 'insufficient_storage',
        message: expect.stringMatching(/no space/) as unknown,
      },
    });
    expect(res.text).not.toContain(disk);
    expect(server.process.exitCode).toBeNull();
    expect(uploadNames(readdirSync(uploads))).toEqual([]);
    const version = await fetch(`${home.baseUrl}/api/version`);
    expect(version.status).toBe(200);
  }

  test('a 5 MB upload on a 2 MiB disk', async () => {
    await expectInsufficientStorage(await send('/api/files', [file(5 * MB)]));
    expect(server.output()).toMatch(/ENOSPC/);
  }, 30_000);

  test('a 5 MB job input on a 2 MiB disk', async () => {
    await expectInsufficientStorage(
      await send('/api/services/head/jobs', [file(5 * MB, 'input'), { name: 'lines', value: '1' }]),
    );
  }, 30_000);

  test('a 70 KB upload on a full disk', async () => {
    fill(0);
    expect(freeBytes()).toBe(0);
    await expectInsufficientStorage(await send('/api/files', [file(70_000)]));
  }, 30_000);

  test('a 19-byte part on a full disk', async () => {
    expect(freeBytes()).toBe(0);
    await expectInsufficientStorage(await send('/api/files', [file(19)]));
  }, 30_000);

  test('a 5 MB upload with 1 MiB free', async () => {
    fill(MiB);
    expect(freeBytes()).toBeGreaterThanOrEqual(MiB - 64 * 1024);
    await expectInsufficientStorage(await send('/api/files', [file(5 * MB)]));
  }, 30_000);

  test('once space is back, uploads work again', async () => {
    rmSync(filler);
    const res = await send('/api/files', [file(100_000)]);
    expect(res.status).toBe(201);
    const { id } = res.json<{ id: string }>();
    expect(uploadNames(readdirSync(uploads))).toEqual([id]);
    expect(server.process.exitCode).toBeNull();
  }, 30_000);
});
