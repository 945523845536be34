import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  validateSubmission,
  type FileResolver,
  type Submission,
} from '../../src/services/form/form';
import { jobInputs } from '../../src/services/form/job-inputs';
import type { Service } from '../../src/services/service';
import { serviceOf } from '../helpers/service-definition';

const dir = mkdtempSync(path.join(tmpdir(), 'damson-form-'));
const files: Record<string, string> = {};
function file(id: string, content: string): string {
  const at = path.join(dir, id);
  writeFileSync(at, content);
  files[id] = at;
  return id;
}
/** Resolves ids to files in a temporary directory; the store-backed resolver has its own test. */
const resolver: FileResolver = {
  resolve: async (ref) => (files[ref] ? { path: files[ref], id: ref } : null),
};

const form = (parameters: Record<string, unknown>) => serviceOf({ parameters });
const submit = (service: Service, fields: Record<string, string | string[]>) => {
  const submission: Submission = { fields: new Map(), files: new Map() };
  for (const [k, v] of Object.entries(fields)) submission.fields.set(k, Array.isArray(v) ? v : [v]);
  return validateSubmission(service, submission, resolver);
};
async function errorOf(service: Service, fields: Record<string, string | string[]>) {
  const result = await submit(service, fields);
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.values)}`);
  return result.errors.map((e) => [e.parameter, e.errorCode, e.message]);
}
async function valueOf(service: Service, fields: Record<string, string | string[]>, id = 'x') {
  const result = await submit(service, fields);
  if (!result.ok) throw new Error(`unexpected errors ${JSON.stringify(result.errors)}`);
  return result.values[id];
}

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
    expect(inputs.many).toEqual([files.f1, files.f2]);
  });
});

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

describe('values a command line cannot carry (audit F9)', () => {
  const f = form({
    t: { name: 'T', type: 'text', required: false },
    ts: { name: 'Ts', type: 'text[]', required: false },
    input: { name: 'Input', type: 'file', required: false },
  });
  test.each([
    ['a\u0000b', 'a control character (U+0000) at position 2'],
    ['\u001b[2J', 'a control character (U+001B) at position 1'],
    ['x\u0008', 'a control character (U+0008) at position 2'],
    ['ok\ud800', 'an unpaired surrogate (U+D800) at position 3'],
    ['\udc00', 'an unpaired surrogate (U+DC00) at position 1'],
  ])('%j is refused naming the field', async (raw, why) => {
    expect(await errorOf(f, { t: raw })).toEqual([
      ['t', 'invalid_character', `Value contains ${why}, which a command line cannot carry`],
    ]);
    expect((await errorOf(f, { ts: ['fine', raw] }))[0].slice(0, 2)).toEqual([
      'ts',
      'invalid_character',
    ]);
  });
  test('tab, newlines, DEL, non-ASCII and paired surrogates are values like any other', async () => {
    for (const raw of ['a\tb', 'line 1\nline 2\r\n', 'x\u007f', 'é ü 漢字', '🧬']) {
      expect(await valueOf(f, { t: raw }, 't')).toBe(raw);
    }
  });
  test('a file id holding NUL is refused before any file system call', async () => {
    const touched: string[] = [];
    const spy: FileResolver = {
      resolve: async (ref) => {
        touched.push(ref);
        return null;
      },
    };
    const submission: Submission = {
      fields: new Map([['input', ['abc\u0000/../x']]]),
      files: new Map(),
    };
    const result = await validateSubmission(f, submission, spy);
    expect(result).toEqual({
      ok: false,
      errors: [{ parameter: 'input', errorCode: 'invalid_character', message: 'Invalid file id.' }],
    });
    expect(touched).toEqual([]);
  });
  test('fast-check: any text with a C0 control other than tab/LF/CR is refused, never accepted', async () => {
    const control = fc.constantFrom(
      ...[...Array(32).keys()]
        .filter((c) => ![9, 10, 13].includes(c))
        .map((c) => String.fromCharCode(c)),
    );
    await fc.assert(
      fc.asyncProperty(fc.string(), control, fc.string(), async (before, c, after) => {
        const result = await submit(f, { t: before + c + after });
        return !result.ok && result.errors[0].errorCode === 'invalid_character';
      }),
      { numRuns: 200 },
    );
  });
});

describe('values that would reach the tool as an option (audit F12)', () => {
  const service = (extra: Record<string, unknown> = {}) =>
    serviceOf({
      parameters: {
        words: { name: 'Words', type: 'text[]', required: false, ...extra },
        named: { name: 'Named', type: 'text', required: false },
        glued: { name: 'Glued', type: 'text', required: false },
        quoted: { name: 'Quoted', type: 'text', required: false },
        unused: { name: 'Unused', type: 'text', required: false },
        count: { name: 'Count', type: 'integer', required: false },
        mode: { name: 'Mode', type: 'choice', choices: { a: '-a', b: '--b' }, required: false },
      },
      args: {
        count: { arg: '$(value)' },
        mode: { arg: '$(value)' },
        named: { arg: '--name $(value)' },
        glued: { arg: '--glued=$(value)' },
        quoted: { arg: '"${PREFIX}$(value)"' },
        words: { arg: '$(value)' },
      },
    });
  const s = service();
  test('the audit reproducer: words=--repeat=3000000 is refused naming words', async () => {
    expect(await errorOf(s, { words: ['--repeat=3000000', 'x'] })).toEqual([
      [
        'words',
        'leading_dash',
        "Value 1 begins with '-', so the tool would read it as an option; this parameter does not allow that",
      ],
    ]);
  });
  test("a value that starts a word after '--name' or an environment reference is refused", async () => {
    expect((await errorOf(s, { named: '-rf' }))[0].slice(0, 2)).toEqual(['named', 'leading_dash']);
    expect((await errorOf(s, { quoted: '--x' }))[0].slice(0, 2)).toEqual([
      'quoted',
      'leading_dash',
    ]);
  });
  test('inside a word, in an unused parameter, in numbers and choices a dash is harmless', async () => {
    expect(await valueOf(s, { glued: '-x' }, 'glued')).toBe('-x');
    expect(await valueOf(s, { unused: '-x' }, 'unused')).toBe('-x');
    expect(await valueOf(s, { count: '-5' }, 'count')).toBe(-5);
    expect(await valueOf(s, { mode: 'a' }, 'mode')).toBe('a');
    expect(await valueOf(s, { words: ['a-b', ' -c'] }, 'words')).toEqual(['a-b', ' -c']);
  });
  test('allow-leading-dash: true lets the service accept it', async () => {
    const open = service({ 'allow-leading-dash': true });
    expect(await valueOf(open, { words: ['--gap', '-1'] }, 'words')).toEqual(['--gap', '-1']);
  });
  test('allow-leading-dash must be a boolean and only on text', () => {
    expect(() => service({ 'allow-leading-dash': 'yes' })).toThrow(
      /expected true or false for 'allow-leading-dash'/,
    );
    expect(() => form({ n: { name: 'N', type: 'integer', 'allow-leading-dash': true } })).toThrow(
      /unknown key 'allow-leading-dash'/,
    );
  });
});
