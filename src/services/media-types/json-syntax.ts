/**
 * A streaming JSON syntax checker (RFC 8259, as JSON.parse accepts it): text is fed in pieces
 * and nothing is built, so time is linear in the input and memory is bounded by the nesting
 * depth, which is capped. It says where the first error is, or nothing.
 */

/** Nesting deeper than this is refused: the checker keeps one entry per open bracket. */
export const MAX_JSON_DEPTH = 10_000;

const enum Expect {
  /** A value: at the top, after ':' and after ',' in an array. */
  Value,
  /** After '[': a value or ']'. */
  ValueOrEnd,
  /** After '{': a key or '}'. */
  KeyOrEnd,
  /** After ',' in an object. */
  Key,
  Colon,
  /** After a value inside a container: ',' or its closing bracket. */
  CommaOrEnd,
  /** The top-level value is complete: only whitespace may follow. */
  Nothing,
}

const enum Lex {
  None,
  String,
  Escape,
  Unicode,
  Literal,
  /** Number sub-states, after: '-', a leading '0', integer digits, '.', fraction digits, 'e', 'e+', exponent digits. */
  Minus,
  Zero,
  Int,
  Dot,
  Frac,
  Exp,
  ExpSign,
  ExpInt,
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isWhitespace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const SIMPLE_ESCAPES = new Set([...'"\\/bfnrt'].map((c) => c.charCodeAt(0)));
const LITERALS = new Map([
  [0x74, 'true'],
  [0x66, 'false'],
  [0x6e, 'null'],
]);

function shown(c: number): string {
  if (c < 0x20) return `control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${String.fromCharCode(c)}'`;
}

export class JsonSyntaxChecker {
  private expect = Expect.Value;
  private lex = Lex.None;
  /** '[' or '{' per open container (char codes). */
  private readonly stack: number[] = [];
  private stringIsKey = false;
  private hexLeft = 0;
  private literal = '';
  private literalAt = 0;
  private line = 1;
  private column = 0;
  private error: string | undefined;

  /** Feeds the next piece of text; returns the first error found so far, if any. */
  feed(text: string): string | undefined {
    for (let i = 0; i < text.length && this.error === undefined; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) {
        this.line++;
        this.column = 0;
      } else {
        this.column++;
      }
      this.step(c);
    }
    return this.error;
  }

  /** Ends the input; returns the first error, if any. */
  end(): string | undefined {
    if (this.error !== undefined) return this.error;
    if (this.lex >= Lex.Minus) {
      if (!this.endNumber()) return this.error;
    }
    if (this.lex === Lex.String || this.lex === Lex.Escape || this.lex === Lex.Unicode) {
      return this.fail('unterminated string at end of input', false);
    }
    if (this.lex === Lex.Literal) return this.fail('unexpected end of input', false);
    if (this.expect !== Expect.Nothing) return this.fail('unexpected end of input', false);
    return undefined;
  }

  private fail(message: string, at = true): string {
    this.error = at ? `line ${this.line}, column ${this.column}: ${message}` : message;
    return this.error;
  }

  private step(c: number): void {
    switch (this.lex) {
      case Lex.String:
        if (c === QUOTE) {
          this.lex = Lex.None;
          if (this.stringIsKey) this.expect = Expect.Colon;
          else this.valueDone();
        } else if (c === BACKSLASH) this.lex = Lex.Escape;
        else if (c < 0x20) this.fail(`${shown(c)} in a string`);
        return;
      case Lex.Escape:
        if (c === 0x75) {
          this.lex = Lex.Unicode;
          this.hexLeft = 4;
        } else if (SIMPLE_ESCAPES.has(c)) this.lex = Lex.String;
        else this.fail(`bad escape '\\${String.fromCharCode(c)}' in a string`);
        return;
      case Lex.Unicode:
        if (!isHex(c)) this.fail(`bad \\u escape: ${shown(c)} is not a hex digit`);
        else if (--this.hexLeft === 0) this.lex = Lex.String;
        return;
      case Lex.Literal:
        if (c !== this.literal.charCodeAt(this.literalAt)) {
          this.fail(`unexpected ${shown(c)} (expected '${this.literal}')`);
        } else if (++this.literalAt === this.literal.length) {
          this.lex = Lex.None;
          this.valueDone();
        }
        return;
      case Lex.None:
        this.token(c);
        return;
      default:
        if (this.number(c)) return;
        // The number ended just before c, which is read as the next token.
        if (this.endNumber()) this.token(c);
    }
  }

  /** Advances a number by c; false when c is not part of it. */
  private number(c: number): boolean {
    const digit = isDigit(c);
    switch (this.lex) {
      case Lex.Minus:
        if (!digit) return false;
        this.lex = c === 0x30 ? Lex.Zero : Lex.Int;
        return true;
      case Lex.Zero:
      case Lex.Int:
        if (digit && this.lex === Lex.Int) return true;
        if (c === 0x2e) this.lex = Lex.Dot;
        else if (c === 0x65 || c === 0x45) this.lex = Lex.Exp;
        else return false;
        return true;
      case Lex.Dot:
      case Lex.Frac:
        if (digit) this.lex = Lex.Frac;
        else if (this.lex === Lex.Frac && (c === 0x65 || c === 0x45)) this.lex = Lex.Exp;
        else return false;
        return true;
      case Lex.Exp:
        if (c === 0x2b || c === 0x2d) this.lex = Lex.ExpSign;
        else if (digit) this.lex = Lex.ExpInt;
        else return false;
        return true;
      case Lex.ExpSign:
      case Lex.ExpInt:
        if (!digit) return false;
        this.lex = Lex.ExpInt;
        return true;
      default:
        return false;
    }
  }

  /** A number is complete only after a digit; false (with the error set) otherwise. */
  private endNumber(): boolean {
    const complete = this.lex === Lex.Zero || this.lex === Lex.Int || this.lex === Lex.Frac;
    if (!complete && this.lex !== Lex.ExpInt) {
      this.fail('incomplete number');
      return false;
    }
    this.lex = Lex.None;
    this.valueDone();
    return true;
  }

  private valueDone(): void {
    this.expect = this.stack.length === 0 ? Expect.Nothing : Expect.CommaOrEnd;
  }

  private open(c: number): void {
    if (this.stack.length >= MAX_JSON_DEPTH) {
      this.fail(`nested deeper than ${MAX_JSON_DEPTH} levels`);
      return;
    }
    this.stack.push(c);
    this.expect = c === 0x5b ? Expect.ValueOrEnd : Expect.KeyOrEnd;
  }

  private close(c: number): void {
    const open = this.stack.pop();
    if (open !== (c === 0x5d ? 0x5b : 0x7b)) {
      this.fail(`unexpected ${shown(c)}`);
      return;
    }
    this.valueDone();
  }

  /** A token starting with c, outside any string, number or literal. */
  private token(c: number): void {
    if (isWhitespace(c)) return;
    const unexpected = () => this.fail(`unexpected ${shown(c)}`);
    switch (this.expect) {
      case Expect.Nothing:
        unexpected();
        return;
      case Expect.Colon:
        if (c === 0x3a) this.expect = Expect.Value;
        else this.fail(`expected ':' after a key, found ${shown(c)}`);
        return;
      case Expect.CommaOrEnd:
        if (c === 0x2c) {
          this.expect = this.stack[this.stack.length - 1] === 0x5b ? Expect.Value : Expect.Key;
        } else if (c === 0x5d || c === 0x7d) this.close(c);
        else this.fail(`expected ',' or a closing bracket, found ${shown(c)}`);
        return;
      case Expect.KeyOrEnd:
      case Expect.Key:
        if (c === QUOTE) {
          this.lex = Lex.String;
          this.stringIsKey = true;
        } else if (c === 0x7d && this.expect === Expect.KeyOrEnd) this.close(c);
        else this.fail(`expected a quoted key, found ${shown(c)}`);
        return;
      case Expect.ValueOrEnd:
        if (c === 0x5d) {
          this.close(c);
          return;
        }
        this.value(c, unexpected);
        return;
      case Expect.Value:
        this.value(c, unexpected);
    }
  }

  private value(c: number, unexpected: () => void): void {
    if (c === QUOTE) {
      this.lex = Lex.String;
      this.stringIsKey = false;
    } else if (c === 0x5b || c === 0x7b) this.open(c);
    else if (c === 0x2d) this.lex = Lex.Minus;
    else if (isDigit(c)) this.lex = c === 0x30 ? Lex.Zero : Lex.Int;
    else {
      const literal = LITERALS.get(c);
      if (literal === undefined) {
        unexpected();
        return;
      }
      this.lex = Lex.Literal;
      this.literal = literal;
      this.literalAt = 1;
    }
  }
}
