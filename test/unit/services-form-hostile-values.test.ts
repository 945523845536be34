import fc from 'fast-check';
import {
  validateSubmission,
  type FileResolver,
  type Submission,
} from '../../src/services/form/form';
import { serviceOf } from '../helpers/service-definition';
import { errorOf, form, submit, valueOf } from '../helpers/form-submission';

// Values no command line can carry, or that the tool would read as an option.

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
