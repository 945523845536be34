import { ConditionError } from './types';

export type TokenKind =
  'lparen' | 'rparen' | 'number' | 'string' | 'keyword' | 'identifier' | 'operator';

export interface Token {
  kind: TokenKind;
  text: string;
  /** 1-based column of the first character. */
  column: number;
}

/*
 * Tried in this order at every position, as slivka 0.8 does. The order is part of the language:
 * NUMBER before OPERATOR makes `a -3` two operands, and IDENTIFIER allowing dashes makes `a-b`
 * one name. Changing it would change the meaning of existing service files.
 */
const RULES: ReadonlyArray<readonly [TokenKind | 'skip', RegExp]> = [
  ['lparen', /\(/y],
  ['rparen', /\)/y],
  ['number', /-?\d+(?:\.\d+)?(?:[eE]-?\d+)?/y],
  ['string', /"(?:[^"\\]|\\.)*"/y],
  ['keyword', /(?:and|or|xor|not|null)(?![\w-])/y],
  ['identifier', /[A-Za-z_][\w-]*/y],
  ['operator', /[#+*/-]|[<>]=?|[=!]=/y],
  ['skip', /\s+/y],
];

/** Hints for characters people type by habit from other languages. */
const HINTS: Readonly<Record<string, string>> = {
  '=': " (use '==' to compare)",
  '!': " (use 'not' or '!=')",
  '&': " (use 'and')",
  '|': " (use 'or')",
  "'": ' (strings use double quotes)',
};

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < source.length) {
    const match = matchAt(source, pos);
    if (match === undefined) throw unexpectedCharacter(source, pos);
    const [kind, text] = match;
    if (kind !== 'skip') tokens.push({ kind, text, column: pos + 1 });
    pos += text.length;
  }
  return tokens;
}

function matchAt(source: string, pos: number): [TokenKind | 'skip', string] | undefined {
  for (const [kind, regex] of RULES) {
    regex.lastIndex = pos;
    const m = regex.exec(source);
    if (m !== null) return [kind, m[0]];
  }
  return undefined;
}

function unexpectedCharacter(source: string, pos: number): ConditionError {
  const column = pos + 1;
  const char = source[pos];
  if (char === '"') {
    return new ConditionError(`syntax error: unterminated string (column ${column})`, column);
  }
  const hint = HINTS[char] ?? '';
  return new ConditionError(
    `syntax error: unexpected character ${JSON.stringify(char)}${hint} (column ${column})`,
    column,
  );
}

/** Only `\"` is an escape, as in slivka; any other backslash pair is kept as written. */
export function stringValue(tokenText: string): string {
  const body = tokenText.slice(1, -1);
  return body.replace(/\\(.)/gs, (pair, next: string) => (next === '"' ? '"' : pair));
}
