import fc from 'fast-check';
import { parseByteRange } from '../../../src/http/byte-range';
import { utf8Boundary } from '../../../src/http/utf8-boundary';

describe('parseByteRange (one byte range, RFC 9110)', () => {
  it.each([
    ['bytes=0-9', 100, { kind: 'single', start: 0, end: 9 }],
    ['bytes=90-', 100, { kind: 'single', start: 90, end: 99 }],
    ['bytes=-10', 100, { kind: 'single', start: 90, end: 99 }],
    ['bytes=-500', 100, { kind: 'single', start: 0, end: 99 }],
    ['bytes=50-5000', 100, { kind: 'single', start: 50, end: 99 }],
    ['BYTES = 1-1', 100, { kind: 'single', start: 1, end: 1 }],
    ['bytes=100-', 100, { kind: 'unsatisfiable' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
    ['bytes=-0', 100, { kind: 'unsatisfiable' }],
    ['bytes=0-1,5-6', 100, { kind: 'multiple' }],
    ['bytes=9-1', 100, { kind: 'none' }],
    ['bytes=a-b', 100, { kind: 'none' }],
    ['bytes=1-2-3', 100, { kind: 'none' }],
    ['bytes=', 100, { kind: 'none' }],
    ['items=0-1', 100, { kind: 'none' }],
    ['bytes=0-1,x', 100, { kind: 'none' }],
    ['bytes=9999999999999999-', 100, { kind: 'none' }],
    [`bytes=${'0-1,'.repeat(100)}`, 100, { kind: 'none' }],
    [undefined, 100, { kind: 'none' }],
  ])('%s of %i bytes', (header, size, expected) => {
    expect(parseByteRange(header, size)).toEqual(expected);
  });

  it('never gives a range outside the file, whatever the header', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.nat(1_000_000), (tail, size) => {
        const range = parseByteRange(`bytes=${tail}`, size);
        if (range.kind !== 'single') return;
        expect(range.start).toBeGreaterThanOrEqual(0);
        expect(range.end).toBeGreaterThanOrEqual(range.start);
        expect(range.end).toBeLessThan(size);
      }),
      { numRuns: 500 },
    );
  });
});

describe('utf8Boundary', () => {
  it('never splits a character, and cuts at most 3 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.nat(200), (text, cut) => {
        const bytes = Buffer.from(text, 'utf8');
        const length = Math.min(cut, bytes.length);
        const safe = utf8Boundary(bytes, length);
        expect(length - safe).toBeLessThanOrEqual(3);
        expect(safe).toBeLessThanOrEqual(length);
        // The cut prefix decodes cleanly: it ends on a character boundary.
        expect(Buffer.from(bytes.subarray(0, safe).toString('utf8'), 'utf8')).toEqual(
          bytes.subarray(0, safe),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('counts bytes that are not UTF-8 as complete', () => {
    expect(utf8Boundary(Buffer.from([0x61, 0xff]), 2)).toBe(2);
    expect(utf8Boundary(Buffer.from([0x61, 0xe2, 0x82]), 3)).toBe(1);
    expect(utf8Boundary(Buffer.from([0x61, 0xe2, 0x82, 0xac]), 4)).toBe(4);
  });
});
