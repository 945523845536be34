import { jobInputs } from '../../src/services/form/job-inputs';
import { errorOf, file, form, submit, uploadedPath, valueOf } from '../helpers/form-submission';

// Each parameter type's values, defaults, arrays and files. Conditions and patterns are in
// services-form-conditions.test.ts; hostile values in services-form-hostile-values.test.ts.

describe.each(['integer', 'int'])('type %s', (type) => {
  const f = form({ x: { name: 'X', type, min: -2, max: 100 } });
  test.each([
    ['5', 5],
    [' 7 ', 7],
    ['-2', -2],
    ['+3', 3],
    ['100', 100],
  ])('%j → %j', async (raw, expected) => {
    expect(await valueOf(f, { x: raw })).toBe(expected);
  });
  test.each(['3.1415', '0.65', '0xFF', 'true', 'abc', '1e3', '- 5', '99999999999999999999'])(
    '%j is invalid',
    async (raw) => {
      expect(await errorOf(f, { x: raw })).toEqual([['x', 'invalid', 'Invalid integer value']]);
    },
  );
  test('bounds are inclusive with slivka messages', async () => {
    expect(await errorOf(f, { x: '-3' })).toEqual([
      ['x', 'min_value', 'Value must be greater than or equal to -2'],
    ]);
    expect(await errorOf(f, { x: '101' })).toEqual([
      ['x', 'max_value', 'Value must be less than or equal to 100'],
    ]);
  });
});

describe.each(['decimal', 'float'])('type %s', (type) => {
  const f = form({ x: { name: 'X', type, min: 0, max: 10, 'min-exclusive': true } });
  test.each([
    ['.5', 0.5],
    ['3.1415', 3.1415],
    ['1e0', 1],
    ['10', 10],
    [' 2.5 ', 2.5],
  ])('%j → %j', async (raw, expected) => {
    expect(await valueOf(f, { x: raw })).toBe(expected);
  });
  test.each(['0xFF', '3.14.15', '- 5', 'true', 'nan', 'NaN', 'inf', '-infinity', 'abc'])(
    '%j is invalid (nan and inf too, unlike slivka)',
    async (raw) => {
      expect(await errorOf(f, { x: raw })).toEqual([['x', 'invalid', 'Invalid decimal number']]);
    },
  );
  test('an exclusive bound of 0 is enforced', async () => {
    expect(await errorOf(f, { x: '0' })).toEqual([
      ['x', 'min_value', 'Value must be greater than 0'],
    ]);
    expect(await errorOf(f, { x: '10.5' })).toEqual([
      ['x', 'max_value', 'Value must be less than or equal to 10'],
    ]);
  });
  test('max-exclusive', async () => {
    const g = form({ x: { name: 'X', type, max: 1, 'max-exclusive': true } });
    expect(await errorOf(g, { x: '1' })).toEqual([['x', 'max_value', 'Value must be less than 1']]);
    expect(await valueOf(g, { x: '0.999' })).toBe(0.999);
  });
});

describe.each(['text', 'string'])('type %s', (type) => {
  const f = form({ x: { name: 'X', type, 'min-length': 2, 'max-length': 4 } });
  test('lengths count characters', async () => {
    expect(await valueOf(f, { x: 'ab' })).toBe('ab');
    expect(await valueOf(f, { x: 'αβγδ' })).toBe('αβγδ');
    expect(await errorOf(f, { x: 'a' })).toEqual([
      ['x', 'min_length', 'Value is too short. Min 2 characters'],
    ]);
    expect(await errorOf(f, { x: 'abcde' })).toEqual([
      ['x', 'max_length', 'Value is too long. Max 4 characters'],
    ]);
  });
});

describe.each(['flag', 'boolean'])('type %s', (type) => {
  const f = form({ x: { name: 'X', type, required: false } });
  test.each(['no', 'false', '0', 'n', 'f', 'none', 'null', 'off', 'NO', 'False', 'Off', 'N', 'F'])(
    '%j means not set',
    async (raw) => {
      expect(await valueOf(f, { x: raw })).toBeNull();
    },
  );
  test.each(['yes', 'true', '1', 'on', 'T', 'Y', 'anything'])('%j means set', async (raw) => {
    expect(await valueOf(f, { x: raw })).toBe(true);
  });
  test('the empty string means not provided', async () => {
    expect(await valueOf(f, { x: '' })).toBeNull();
  });
});

describe('type choice', () => {
  const f = form({
    x: { name: 'X', type: 'choice', choices: { alpha: 'A', bravo: 'B', none: null } },
  });
  test('keys are accepted, values are not (slivka 0.8.4)', async () => {
    expect(await valueOf(f, { x: 'alpha' })).toBe('alpha');
    expect(await errorOf(f, { x: 'A' })).toEqual([
      ['x', 'invalid', 'Value "A" is not one of the available choices.'],
    ]);
  });
  test('the command gets the mapped value, clients the key; null drops the argument', async () => {
    const values = (await submit(f, { x: 'bravo' })) as { ok: true; values: never };
    expect(jobInputs(f, values.values)).toEqual({ inputs: { x: 'B' }, parameters: { x: 'bravo' } });
    const none = (await submit(f, { x: 'none' })) as { ok: true; values: never };
    expect(jobInputs(f, none.values).inputs).toEqual({ x: null });
  });
  test('numeric YAML keys match their text form', async () => {
    const g = form({ x: { name: 'X', type: 'choice', choices: { 1: 'one', 2: 'two' } } });
    expect(await valueOf(g, { x: '1' })).toBe('1');
  });
});

describe('required, defaults and empty values', () => {
  const f = form({
    a: { name: 'A', type: 'integer' },
    b: { name: 'B', type: 'integer', required: 'no' },
    c: { name: 'C', type: 'integer', required: true, default: 3 },
    d: { name: 'D', type: 'text', required: 'yes' },
  });
  test('missing and empty required fields are errors, all reported together', async () => {
    expect(await errorOf(f, { a: '' })).toEqual([
      ['a', 'required', 'Field is required'],
      ['d', 'required', 'Field is required'],
    ]);
  });
  test('a default makes a field optional and fills it', async () => {
    const result = await submit(f, { a: '1', d: 'x' });
    expect(result).toEqual({
      ok: true,
      values: { a: 1, b: null, c: 3, d: 'x' },
      defaulted: expect.any(Set),
    });
  });
});

describe('arrays', () => {
  const f = form({
    x: { name: 'X', type: 'integer[]', max: 5 },
    y: { name: 'Y', type: 'text[]', required: false, default: ['p', 'q'] },
  });
  test('repeated keys are the elements, empty ones dropped', async () => {
    expect(await valueOf(f, { x: ['1', '', '3'] })).toEqual([1, 3]);
  });
  test('only empty elements count as not provided', async () => {
    expect(await errorOf(f, { x: ['', ''] })).toEqual([['x', 'required', 'Field is required']]);
  });
  test('the first failing element is reported', async () => {
    expect(await errorOf(f, { x: ['1', 'z', '9'] })).toEqual([
      ['x', 'invalid', 'Invalid integer value'],
    ]);
  });
  test('array defaults', async () => {
    expect(await valueOf(f, { x: '1' }, 'y')).toEqual(['p', 'q']);
  });
  test('decimals are stored as Python writes them', async () => {
    const g = form({ x: { name: 'X', type: 'decimal[]' }, n: { name: 'N', type: 'int[]' } });
    const result = (await submit(g, { x: ['3.1415', '5', '1e-5'], n: ['19', '20'] })) as {
      ok: true;
      values: never;
    };
    expect(jobInputs(g, result.values).inputs).toEqual({
      x: ['3.1415', '5.0', '1e-05'],
      n: ['19', '20'],
    });
  });
});

describe('files', () => {
  const f = form({
    x: { name: 'X', type: 'file', 'media-type': 'application/json', required: false },
    many: { name: 'Many', type: 'file[]', required: false },
  });
  test('an unknown id is not_found', async () => {
    expect(await errorOf(f, { x: 'AAAAAAAAAAAAAAAA' })).toEqual([
      ['x', 'not_found', 'File not found.'],
    ]);
  });
  test('content is checked against the media type', async () => {
    file('good-json', '{"a": 1}');
    file('bad-json', '{"a": ');
    expect(await valueOf(f, { x: 'good-json' })).toMatchObject({ kind: 'file', id: 'good-json' });
    const [[parameter, code, message]] = await errorOf(f, { x: 'bad-json' });
    expect([parameter, code]).toEqual(['x', 'media_type']);
    expect(message).toMatch(/^The file is not a valid application\/json type/);
  });
  test('several ids for an array; clients see ids, the command sees paths', async () => {
    file('f1', 'one');
    file('f2', 'two');
    const result = (await submit(f, { many: ['f1', 'f2'] })) as { ok: true; values: never };
    const { inputs, parameters } = jobInputs(f, result.values);
    expect(parameters.many).toEqual(['f1', 'f2']);
    expect(inputs.many).toEqual([uploadedPath('f1'), uploadedPath('f2')]);
  });
});
