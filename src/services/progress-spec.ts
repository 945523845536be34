import type { OutputSpec, ProgressSpec } from './service';
import type { ServiceLocator } from './service-locator';

/** The longest pattern accepted: a progress line needs no more. */
export const MAX_PATTERN_LENGTH = 200;
/**
 * Unbounded quantifiers (`*`, `+`, `{n,}`) allowed in one pattern. With at most two, a failing
 * match costs at most quadratic time in the (bounded) line length.
 */
const MAX_UNBOUNDED_QUANTIFIERS = 2;

export class ProgressProblem extends Error {
  constructor(
    readonly keyPath: string[],
    message: string,
  ) {
    super(message);
  }
}

type Raw = Record<string, unknown>;

/** A relative path with no empty, `.` or `..` segment and not one of the agents' records. */
const isPlainRelative = (file: string): boolean =>
  file.length <= 255 &&
  !file.startsWith('/') &&
  !/[\0\\*?[\]]/.test(file) &&
  file.split('/').every((s) => s !== '' && s !== '.' && s !== '..' && !s.startsWith('.damson'));

/**
 * Refuses patterns that could backtrack catastrophically over hostile tool output: backreferences,
 * lookarounds, a repeated group (nested or alternated repetition such as `(a+)+` or `(a|a)*`),
 * and more than two unbounded quantifiers. The rest is linear or quadratic in the line length,
 * which the reader bounds.
 */
export function checkPattern(pattern: string): string | null {
  if (pattern.length === 0 || pattern.length > MAX_PATTERN_LENGTH)
    return `must be 1 to ${MAX_PATTERN_LENGTH} characters`;
  try {
    new RegExp(pattern);
  } catch {
    return 'is not a valid regular expression';
  }
  let unbounded = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9k]/.test(next)) return 'may not use backreferences';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(' && /^\?<?[=!]/.test(pattern.slice(i + 1, i + 4)))
      return 'may not use lookahead or lookbehind';
    // `?` after a group makes it optional, not repeated.
    else if (c === ')' && /^[*+{]/.test(pattern[i + 1] ?? ''))
      return 'may not repeat a group (nested repetition can take exponential time)';
    else if (c === '*' || c === '+') unbounded++;
    else if (c === '{' && /^\{\d+,\}/.test(pattern.slice(i))) unbounded++;
  }
  if (unbounded > MAX_UNBOUNDED_QUANTIFIERS)
    return `may use at most ${MAX_UNBOUNDED_QUANTIFIERS} of *, + and {n,}`;
  return null;
}

/** Parses the `progress` key against the service's outputs. */
export function parseProgress(raw: unknown, outputs: OutputSpec[]): ProgressSpec | null {
  if (raw === undefined) return null;
  const spec = raw as Raw;
  if (typeof spec.file === 'string') {
    if (!isPlainRelative(spec.file))
      throw new ProgressProblem(['progress', 'file'], 'must be a plain relative file name');
    return { kind: 'json', file: spec.file };
  }
  const outputId = String(spec.output);
  const output = outputs.find((o) => o.id === outputId);
  if (!output) {
    const known = outputs.map((o) => o.id).join(', ') || 'none';
    throw new ProgressProblem(
      ['progress', 'output'],
      `names no output of this service (outputs: ${known})`,
    );
  }
  if (!isPlainRelative(output.path))
    throw new ProgressProblem(
      ['progress', 'output'],
      `output '${outputId}' must have a plain file path, not a glob, to read progress from`,
    );
  const pattern = String(spec.pattern);
  const problem = checkPattern(pattern);
  if (problem) throw new ProgressProblem(['progress', 'pattern'], `pattern ${problem}`);
  return { kind: 'pattern', output: outputId, file: output.path, pattern: new RegExp(pattern) };
}

/** Throws the locator's error (file, line, key path) for a ProgressProblem. */
export function progressOf(
  locator: ServiceLocator,
  raw: unknown,
  outputs: OutputSpec[],
): ProgressSpec | null {
  try {
    return parseProgress(raw, outputs);
  } catch (error) {
    if (!(error instanceof ProgressProblem)) throw error;
    throw locator.error(error.keyPath, error.message, true);
  }
}
