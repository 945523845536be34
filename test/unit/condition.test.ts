import {
  compileCondition,
  ConditionError,
  type ConditionValue,
  type ParamTypeInfo,
} from '../../src/services/condition/condition';

const PARAMS: Record<string, ParamTypeInfo> = {
  a: { kind: 'integer', array: false },
  b: { kind: 'integer', array: false },
  c: { kind: 'integer', array: false },
  x: { kind: 'decimal', array: false },
  t: { kind: 'text', array: false },
  u: { kind: 'text', array: false },
  mode: { kind: 'choice', array: false },
  f: { kind: 'flag', array: false },
  g: { kind: 'flag', array: false },
  input: { kind: 'file', array: false },
  inputs: { kind: 'file', array: true },
  nums: { kind: 'integer', array: true },
  'max-len': { kind: 'integer', array: false },
};

type Values = Record<string, ConditionValue | undefined>;

function run(source: string, values: Values = {}, selfId = 'a'): boolean {
  return compileCondition(source, PARAMS, selfId).evaluate(values, values[selfId]);
}

function compileError(source: string, selfId = 'a'): ConditionError {
  try {
    compileCondition(source, PARAMS, selfId);
  } catch (e) {
    if (e instanceof ConditionError) return e;
    throw e;
  }
  throw new Error(`expected ${source} to be rejected`);
}

describe('precedence and associativity', () => {
  it('evaluates arithmetic with the usual precedence', () => {
    expect(run('1 + 2 * 3 == 7')).toBe(true);
    expect(run('(1 + 2) * 3 == 9')).toBe(true);
    expect(run('10 - 4 - 3 == 3')).toBe(true); // left-associative
    expect(run('8 / 4 / 2 == 1')).toBe(true);
  });

  it('binds not tighter than comparisons', () => {
    // (not a) == b: with a = 0 and b = 1, not a is True and True == 1 in Python.
    expect(run('not a == b', { a: 0, b: 1 })).toBe(true);
    // The reading not (a == b) would be false here.
    expect(run('not a == b', { a: 5, b: 0 })).toBe(true);
    expect(run('not (a == b)', { a: 5, b: 0 })).toBe(true);
    expect(run('not a == b', { a: 5, b: 5 })).toBe(false);
  });

  it('puts and above xor above or', () => {
    expect(run('a or b and c', { a: 1, b: 0, c: 0 })).toBe(true);
    expect(run('(a or b) and c', { a: 1, b: 0, c: 0 })).toBe(false);
    expect(run('a xor b and c', { a: 1, b: 1, c: 0 })).toBe(true);
    expect(run('a or b xor c', { a: 0, b: 1, c: 1 })).toBe(false);
  });

  it('applies unary minus and # before binary operators', () => {
    expect(run('- a + 3 == 1', { a: 2 })).toBe(true);
    expect(run('#nums * 2 == 6', { nums: [1, 2, 3] })).toBe(true);
    expect(run('- - a == 4', { a: 4 })).toBe(true);
  });
});

describe('lexing', () => {
  it('reads dashes as part of identifiers', () => {
    const cond = compileCondition('max-len > 3', PARAMS, 'a');
    expect(cond.identifiers).toEqual(['max-len']);
    expect(cond.evaluate({ 'max-len': 4 }, null)).toBe(true);
  });

  it('unescapes only \\" inside strings', () => {
    expect(run('t == "say \\"hi\\""', { t: 'say "hi"' })).toBe(true);
    expect(run('t == "a\\\\b"', { t: 'a\\\\b' })).toBe(true);
    expect(run('t == "a\\nb"', { t: 'a\\nb' })).toBe(true);
  });

  it('does not take keywords out of longer names', () => {
    const params: Record<string, ParamTypeInfo> = {
      'not-x': { kind: 'flag', array: false },
      order: { kind: 'integer', array: false },
    };
    const cond = compileCondition('not-x or order', params, 'order');
    expect(cond.identifiers).toEqual(['not-x', 'order']);
    expect(cond.evaluate({ 'not-x': null, order: 1 }, 1)).toBe(true);
  });

  it('parses decimal and exponent numbers', () => {
    expect(run('x > 1.5e-3', { x: 0.01 })).toBe(true);
    expect(run('x == 2.5', { x: 2.5 })).toBe(true);
    expect(run('a == -3', { a: -3 })).toBe(true);
  });

  it('rejects a -3 as multiple expressions but accepts a - 3', () => {
    const err = compileError('a -3');
    expect(err.message).toMatch(/multiple expressions/);
    expect(err.message).toMatch(/write '- 3'/);
    expect(err.column).toBe(3);
    expect(run('a - 3 == 2', { a: 5 })).toBe(true);
  });
});

describe('syntax errors', () => {
  it.each([
    ['a $ b', 3, /unexpected character "\$"/],
    ['a = b', 3, /use '=='/],
    ['a and', 6, /unexpected end/],
    ['(a > 1', 7, /expected '\)'/],
    ['a > 1)', 6, /unmatched '\)'/],
    ['a b', 3, /multiple expressions/],
    ['t == "abc', 6, /unterminated string/],
    ['a * * b', 5, /expected a value but found '\*'/],
    ['', 1, /empty condition/],
    ['   ', 1, /empty condition/],
  ])('%j fails at column %i', (source, column, message) => {
    const err = compileError(source);
    expect(err.column).toBe(column);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(`(column ${column})`);
  });

  it('rejects absurdly deep nesting with a ConditionError, not a stack overflow', () => {
    expect(compileError('('.repeat(5000) + 'a' + ')'.repeat(5000)).message).toMatch(/too deeply/);
    expect(compileError('not '.repeat(5000) + 'a').message).toMatch(/too deeply/);
    expect(compileError(Array(5000).fill('a').join(' + ')).message).toMatch(/too deeply/);
  });
});

describe('identifiers', () => {
  it('names the unknown identifier and nothing else', () => {
    const err = compileError('a > 1 and bogus == 2');
    expect(err.message).toBe("unknown identifier 'bogus' (column 11)");
    expect(err.column).toBe(11);
  });

  it('does not resolve Object.prototype members as parameters', () => {
    expect(compileError('constructor').message).toMatch(/unknown identifier 'constructor'/);
  });

  it('binds self to the owning parameter, with its type', () => {
    expect(run('self > 2', { a: 5 }, 'a')).toBe(true);
    expect(run('self > 2', { a: 1 }, 'a')).toBe(false);
    expect(run('#self == 2', { nums: [4, 5] }, 'nums')).toBe(true);
    expect(compileError('#self', 'a').message).toMatch(/'#' needs a text or an array/);
    expect(compileCondition('self and a', PARAMS, 'f').identifiers).toEqual(['self', 'a']);
  });

  it('lists distinct identifiers in order of first use', () => {
    expect(compileCondition('b + a > a * c', PARAMS, 'a').identifiers).toEqual(['b', 'a', 'c']);
  });
});

describe('static type errors', () => {
  it.each([
    ['#a', /'#' needs a text or an array, but got a number/],
    ['#f', /'#' needs a text or an array, but got a flag/],
    ['#input', /'#' needs a text or an array, but got a file/],
    ['f + 1', /'\+' needs two numbers or two texts, but got a flag or boolean and a number/],
    ['-f', /'-' needs a number, but got a flag/],
    ['f * 2', /'\*' needs two numbers/],
    ['t < 3', /'<' needs two numbers or two texts, but got a text and a number/],
    ['t + 1', /'\+' needs two numbers or two texts/],
    ['nums > 1', /an array of numbers/],
    ['(a > 1) + 1', /'\+' needs two numbers or two texts/],
    ['input == 1', /can only compare a file with null/],
  ])('%j is rejected', (source, message) => {
    const err = compileError(source);
    expect(err.message).toMatch(/^type error: /);
    expect(err.message).toMatch(message);
  });

  it('reports the column of the offending operator', () => {
    expect(compileError('a > 1 and t < 3').column).toBe(13);
  });

  it('accepts well-typed expressions', () => {
    for (const source of [
      '#t > 2',
      '#inputs > 0',
      't + u == "ab"',
      't < u',
      'mode == "fast"',
      'a == t', // Python allows == on any pair; it is simply false
      'input != null and not f',
      'null < 1',
      'x / a > 0.5',
    ]) {
      expect(() => compileCondition(source, PARAMS, 'a')).not.toThrow();
    }
  });
});

describe('evaluation', () => {
  it('treats unset values as null', () => {
    expect(run('a == null', {})).toBe(true);
    expect(run('a == null', { a: undefined })).toBe(true);
    expect(run('a != null', { a: 0 })).toBe(true);
    expect(run('null == null')).toBe(true);
  });

  it('makes ordering against null false instead of raising', () => {
    expect(run('a > 1', { a: null })).toBe(false);
    expect(run('a < 1', { a: null })).toBe(false);
    expect(run('a <= b', {})).toBe(false);
    expect(run('not (a > 1)', {})).toBe(true);
  });

  it('counts arrays and strings with #, and gives 0 for null', () => {
    expect(run('#nums == 3', { nums: [1, 2, 3] })).toBe(true);
    expect(run('#nums == 0', { nums: null })).toBe(true);
    expect(run('#inputs == 2', { inputs: [{ kind: 'file' }, { kind: 'file' }] })).toBe(true);
    expect(run('#t == 2', { t: '𝔸b' })).toBe(true); // code points, as Python
  });

  it('uses Python truthiness for boolean operators and the result', () => {
    expect(run('a', { a: 0 })).toBe(false);
    expect(run('t', { t: '' })).toBe(false);
    expect(run('nums', { nums: [] })).toBe(false);
    expect(run('nums', { nums: [0] })).toBe(true);
    expect(run('f', { f: true })).toBe(true);
    expect(run('f or g', { f: null, g: null })).toBe(false);
    expect(run('input and f', { input: { kind: 'file' }, f: true })).toBe(true);
    expect(run('a xor b', { a: 1, b: 2 })).toBe(false);
  });

  it('compares choice keys and concatenates texts', () => {
    expect(run('mode == "fast"', { mode: 'fast' })).toBe(true);
    expect(run('mode != "fast"', { mode: 'slow' })).toBe(true);
    expect(run('t + u == "ab"', { t: 'a', u: 'b' })).toBe(true);
    expect(run('t < u', { t: 'abc', u: 'abd' })).toBe(true);
  });

  it('never throws on division by zero; the result is null, hence false', () => {
    expect(run('a / b', { a: 1, b: 0 })).toBe(false);
    expect(run('a / b > 0', { a: 1, b: 0 })).toBe(false);
    expect(run('a / b == null', { a: 1, b: 0 })).toBe(true);
    expect(run('a / 2 == 2.5', { a: 5 })).toBe(true);
  });

  it('makes arithmetic with null null', () => {
    expect(run('a + 1 == null', {})).toBe(true);
    expect(run('-a == null', {})).toBe(true);
  });

  it('compares mismatched types as unequal, and flags as Python ints', () => {
    expect(run('a == t', { a: 1, t: '1' })).toBe(false);
    expect(run('f == 1', { f: true })).toBe(true);
    expect(run('nums == nums', { nums: [1, 2] })).toBe(true);
  });

  it('survives values that do not match the declared types', () => {
    const cond = compileCondition('#t + a > 1 and t < u', PARAMS, 'a');
    expect(cond.evaluate({ t: 5, a: 'x', u: [1] } as Values, null)).toBe(false);
  });
});
