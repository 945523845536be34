import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { PartWriteError, SMALL_PART_BYTES, saveFilePart } from '../../../src/http/save-file-part';
import { storageFailure } from '../../../src/http/storage-failure';

const dir = mkdtempSync(path.join(tmpdir(), 'damson-save-part-'));

/** A part stream of `bytes` bytes, delivered in 16 KiB chunks as busboy does. */
function part(bytes: number): Readable {
  const chunks: Buffer[] = [];
  for (let left = bytes; left > 0; left -= 16 * 1024) {
    chunks.push(Buffer.alloc(Math.min(left, 16 * 1024), 'x'));
  }
  return Readable.from(chunks);
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): number => unhandled.push(reason);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));

describe('saveFilePart', () => {
  test.each([
    ['a small part', 100],
    ['a streamed part', SMALL_PART_BYTES * 4],
  ])('%s whose write fails rejects with a PartWriteError, never unhandled', async (_, bytes) => {
    const target = path.join(dir, 'missing-directory', 'file');
    const write = saveFilePart(part(bytes), target);
    // Nothing awaits `done` for a while, as when busboy is still parsing the rest of the body.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const error = await write.done.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PartWriteError);
    expect((error as PartWriteError).code).toBe('ENOENT');
    expect(unhandled).toEqual([]);
  });

  test('a streamed part is written whole', async () => {
    const target = path.join(dir, 'whole');
    const write = saveFilePart(part(SMALL_PART_BYTES * 3 + 5), target);
    await write.done;
    expect(readFileSync(target).length).toBe(SMALL_PART_BYTES * 3 + 5);
  });

  test('an aborted small part writes nothing', async () => {
    const target = path.join(dir, 'aborted');
    const stream = new Readable({ read: () => undefined });
    const write = saveFilePart(stream, target);
    stream.push(Buffer.alloc(10));
    write.abort();
    await write.done;
    expect(existsSync(target)).toBe(false);
  });
});

describe('storageFailure', () => {
  const failure = (code: string) => {
    const cause = Object.assign(new Error(`${code}: /secret/path`), { code });
    return storageFailure(new PartWriteError(cause));
  };

  test.each(['ENOSPC', 'EDQUOT'])('%s is 507 insufficient_storage', (code) => {
    const http = failure(code);
    expect(http.status).toBe(507);
    expect(http.code).toBe('insufficient_storage');
    expect(http.message).not.toContain('/secret');
  });

  test.each(['EIO', 'EMFILE', 'ENFILE', 'EACCES', 'EROFS'])(
    '%s is 503 with Retry-After',
    (code) => {
      const http = failure(code);
      expect(http.status).toBe(503);
      expect(http.code).toBe('storage_unavailable');
      expect(http.headers['Retry-After']).toBeDefined();
      expect(http.message).not.toContain('/secret');
    },
  );
});
