import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DiskSpace } from '../../src/lifecycle/disk-space';

describe('DiskSpace', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'damson-disk-space-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is never low without a floor', async () => {
    expect((await new DiskSpace(null, [dir]).read()).low).toBe(false);
  });

  it('compares free bytes with a byte floor or a share of the filesystem', async () => {
    expect((await new DiskSpace({ kind: 'bytes', bytes: 1 }, [dir]).read()).low).toBe(false);
    const huge = await new DiskSpace({ kind: 'bytes', bytes: 2 ** 60 }, [dir]).read();
    expect(huge).toMatchObject({ low: true, floorBytes: 2 ** 60 });
    expect(huge.freeBytes).toBeGreaterThan(0);
    // No real filesystem is 99.99 % free.
    const share = await new DiskSpace({ kind: 'percent', percent: 99.99 }, [dir]).read();
    expect(share.low).toBe(true);
    expect(share.floorBytes).toBeGreaterThan(share.freeBytes);
  });

  it('ignores a directory it cannot read, and reuses a reading for its interval', async () => {
    const missing = new DiskSpace({ kind: 'bytes', bytes: 2 ** 60 }, [path.join(dir, 'gone')]);
    expect((await missing.read()).low).toBe(false);
    const cached = new DiskSpace({ kind: 'bytes', bytes: 1 }, [dir], 60_000);
    const [a, b] = await Promise.all([cached.read(), cached.read()]);
    expect(b).toBe(a);
    expect(await cached.read()).toBe(a);
  });
});
