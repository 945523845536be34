import { errorOf, form, submit, valueOf } from '../helpers/form-submission';

// slivka's two-pass conditions between parameters, and Damson's text patterns.

describe("the two-pass condition algorithm (slivka's)", () => {
  const f = form({
    c: { name: 'C', type: 'integer', required: false, condition: 'self > 2' },
    d: { name: 'D', type: 'text', default: 'x', condition: 'c != null' },
  });
  test('no input: the default of d is silently disabled', async () => {
    expect(await submit(f, {})).toEqual({
      ok: true,
      values: { c: null, d: null },
      defaulted: expect.any(Set),
    });
  });
  test('c=5 keeps the default of d', async () => {
    expect(await submit(f, { c: '5' })).toEqual({
      ok: true,
      values: { c: 5, d: 'x' },
      defaulted: expect.any(Set),
    });
  });
  test('d given alone breaks its condition', async () => {
    expect(await errorOf(f, { d: 'hello' })).toEqual([
      ['d', 'condition', 'Additional condition not met'],
    ]);
  });
  test('c given and failing its own condition', async () => {
    expect(await errorOf(f, { c: '1' })).toEqual([
      ['c', 'condition', 'Additional condition not met'],
    ]);
  });
  test('type errors come alone, before any condition is checked', async () => {
    expect(await errorOf(f, { c: 'z', d: 'hello' })).toEqual([
      ['c', 'invalid', 'Invalid integer value'],
    ]);
  });
  test('a chain: disabling a default in pass one can break a condition in pass two', async () => {
    const g = form({
      a: { name: 'A', type: 'integer', default: 1, condition: 'b > 0' },
      b: { name: 'B', type: 'integer', required: false },
      e: { name: 'E', type: 'integer', required: false, condition: 'a == 1' },
    });
    expect(await errorOf(g, { e: '4' })).toEqual([
      ['e', 'condition', 'Additional condition not met'],
    ]);
    expect(await submit(g, { b: '2', e: '4' })).toEqual({
      ok: true,
      values: { a: 1, b: 2, e: 4 },
      defaulted: expect.any(Set),
    });
  });
  test('conditions that would have crashed slivka are answered, not a 500', async () => {
    const g = form({
      arr: { name: 'Arr', type: 'text[]', required: false },
      n: { name: 'N', type: 'integer', required: false, condition: '#arr > 0 and 10 / n > 1' },
    });
    expect(await errorOf(g, { n: '0' })).toEqual([
      ['n', 'condition', 'Additional condition not met'],
    ]);
    expect(await submit(g, { arr: 'a', n: '5' })).toEqual({
      ok: true,
      values: { arr: ['a'], n: 5 },
      defaulted: expect.any(Set),
    });
  });
});

describe("text patterns (Damson's addition; slivka had none)", () => {
  const f = form({
    name: { name: 'Name', type: 'text', pattern: '[^-].*', required: false },
    codes: { name: 'Codes', type: 'text[]', pattern: '[A-Z]{3}', required: false },
  });
  test('the whole value must match', async () => {
    expect(await valueOf(f, { name: 'plain' }, 'name')).toBe('plain');
    expect(await errorOf(f, { name: '--output=/etc/cron.d/x' })).toEqual([
      ['name', 'pattern', 'Value does not match the pattern [^-].*'],
    ]);
    expect(await valueOf(f, { codes: ['ABC', 'XYZ'] }, 'codes')).toEqual(['ABC', 'XYZ']);
    expect(await errorOf(f, { codes: ['ABC', 'ABCD'] })).toEqual([
      ['codes', 'pattern', 'Value does not match the pattern [A-Z]{3}'],
    ]);
  });
  test('an invalid expression is a load error', () => {
    expect(() => form({ x: { name: 'X', type: 'text', pattern: '([a-z' } })).toThrow(
      /at 'parameters\/x\/pattern': invalid regular expression/,
    );
  });
});
