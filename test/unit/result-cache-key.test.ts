import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { cachePolicy } from '../../src/services/cache-policy';
import { cacheKeyOf } from '../../src/http/result-cache';
import { serviceOf } from '../helpers/service-definition';

const PARAMETERS = {
  input: { name: 'Input', type: 'file' },
  words: { name: 'Words', type: 'text[]', required: false },
  label: { name: 'Label', type: 'text', required: false },
};
const service = serviceOf({ cache: true, parameters: PARAMETERS, args: {} }, 'cached');

describe('result cache key', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'damson-cache-key-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, text: string): string => {
    const at = path.join(dir, name);
    writeFileSync(at, text);
    return at;
  };

  it('depends on file contents, never on their paths', async () => {
    const a = await cacheKeyOf(service, { input: file('a', 'same'), label: 'x' }, 1024);
    const b = await cacheKeyOf(service, { input: file('b', 'same'), label: 'x' }, 1024);
    const c = await cacheKeyOf(service, { input: file('c', 'other'), label: 'x' }, 1024);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('differs by revision and by service', async () => {
    const inputs = { input: file('r', 'bytes'), label: 'x' };
    const edited = serviceOf(
      { cache: true, parameters: PARAMETERS, args: {}, description: 'edited' },
      'cached',
    );
    const other = serviceOf({ cache: true, parameters: PARAMETERS, args: {} }, 'other');
    const key = await cacheKeyOf(service, inputs, 1024);
    expect(await cacheKeyOf(edited, inputs, 1024)).not.toBe(key);
    expect(await cacheKeyOf(other, inputs, 1024)).not.toBe(key);
  });

  it('gives up (no key: the job runs) on a file too large to hash or gone', async () => {
    expect(await cacheKeyOf(service, { input: file('big', 'x'.repeat(2048)) }, 1024)).toBeNull();
    expect(await cacheKeyOf(service, { input: path.join(dir, 'missing') }, 1024)).toBeNull();
  });

  it('never gives two different sets of values the same key', async () => {
    const input = file('p', 'fixed');
    const text = fc.oneof(fc.constant(null), fc.string({ maxLength: 6 }));
    const words = fc.oneof(
      fc.constant(null),
      fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.tuple(words, text), fc.tuple(words, text), async (x, y) => {
        fc.pre(JSON.stringify(x) !== JSON.stringify(y));
        const keyX = await cacheKeyOf(service, { input, words: x[0], label: x[1] }, 1024);
        const keyY = await cacheKeyOf(service, { input, words: y[0], label: y[1] }, 1024);
        return keyX !== keyY;
      }),
      { numRuns: 200 },
    );
  });

  it('reads the cache key of a service file', () => {
    expect(cachePolicy(true)).toEqual({ maxAgeMs: null });
    expect(cachePolicy(false)).toBeNull();
    expect(cachePolicy(undefined)).toBeNull();
    expect(cachePolicy({ 'max-age': '7d' })).toEqual({ maxAgeMs: 7 * 86_400_000 });
    expect(cachePolicy({ 'max-age': '30m' })).toEqual({ maxAgeMs: 30 * 60_000 });
    expect(cachePolicy({ 'max-age': 45 })).toEqual({ maxAgeMs: 45_000 });
    expect(service.cache).toEqual({ maxAgeMs: null });
    expect(serviceOf().cache).toBeNull();
    expect(() => serviceOf({ cache: { 'max-age': '7 weeks' } })).toThrow(/max-age/);
    expect(() => serviceOf({ cache: 'yes please' })).toThrow(/cache/);
  });
});
