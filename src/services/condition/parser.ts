import type { BinaryOp, Node, UnaryOp } from './ast';
import { stringValue, tokenize, type Token } from './lexer';
import { ConditionError } from './types';

/** Binary operators from lowest to highest precedence; all left-associative. */
const LEVELS: ReadonlyArray<readonly BinaryOp[]> = [
  ['or'],
  ['xor'],
  ['and'],
  ['==', '!='],
  ['<', '>', '<=', '>='],
  ['+', '-'],
  ['*', '/'],
];

const UNARY_OPS: readonly UnaryOp[] = ['-', 'not', '#'];

/*
 * Real conditions are a handful of tokens. The cap keeps the recursive parser, type checker and
 * evaluator far from the stack limit, so a hostile or generated service file gets a clear error
 * at load time instead of a RangeError.
 */
const MAX_DEPTH = 100;

export function parse(source: string): Node {
  return new Parser(source, tokenize(source)).parseAll();
}

class Parser {
  private pos = 0;
  private parenDepth = 0;
  private readonly depths = new WeakMap<Node, number>();

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  parseAll(): Node {
    if (this.tokens.length === 0) {
      throw new ConditionError('syntax error: empty condition (column 1)', 1);
    }
    const node = this.parseLevel(0);
    const extra = this.peek();
    if (extra !== undefined) throw this.trailingTokenError(extra);
    return node;
  }

  private parseLevel(level: number): Node {
    if (level === LEVELS.length) return this.parseUnary();
    let left = this.parseLevel(level + 1);
    for (let token = this.peek(); token !== undefined; token = this.peek()) {
      const op = binaryOp(token, level);
      if (op === undefined) break;
      this.pos++;
      const right = this.parseLevel(level + 1);
      left = this.track({ type: 'binary', op, left, right, column: token.column }, left, right);
    }
    return left;
  }

  /** Iterative so that a long run of prefixes cannot exhaust the stack before the depth check. */
  private parseUnary(): Node {
    const prefixes: { op: UnaryOp; column: number }[] = [];
    for (let t = this.peek(); t !== undefined; t = this.peek()) {
      const op = unaryOp(t);
      if (op === undefined) break;
      prefixes.push({ op, column: t.column });
      this.pos++;
    }
    let node = this.parsePrimary();
    for (const { op, column } of prefixes.reverse()) {
      node = this.track({ type: 'unary', op, operand: node, column }, node);
    }
    return node;
  }

  private parsePrimary(): Node {
    const token = this.peek();
    if (token === undefined) {
      const column = this.source.length + 1;
      throw new ConditionError(
        `syntax error: unexpected end of condition, expected a value (column ${column})`,
        column,
      );
    }
    this.pos++;
    const { column } = token;
    switch (token.kind) {
      case 'number':
        return this.track({ type: 'number', value: Number(token.text), column });
      case 'string':
        return this.track({ type: 'string', value: stringValue(token.text), column });
      case 'identifier':
        return this.track({ type: 'identifier', name: token.text, column });
      case 'keyword':
        if (token.text === 'null') return this.track({ type: 'null', column });
        break;
      case 'lparen':
        return this.parseParenthesised(token);
      default:
        break;
    }
    throw new ConditionError(
      `syntax error: expected a value but found '${token.text}' (column ${column})`,
      column,
    );
  }

  private parseParenthesised(open: Token): Node {
    if (++this.parenDepth > MAX_DEPTH) throw this.tooDeep(open.column);
    const inner = this.parseLevel(0);
    const close = this.peek();
    if (close?.kind !== 'rparen') {
      const column = close?.column ?? this.source.length + 1;
      throw new ConditionError(
        `syntax error: expected ')' to close '(' from column ${open.column} (column ${column})`,
        column,
      );
    }
    this.pos++;
    this.parenDepth--;
    return inner;
  }

  private trailingTokenError(token: Token): ConditionError {
    const { column } = token;
    if (token.kind === 'rparen') {
      return new ConditionError(`syntax error: unmatched ')' (column ${column})`, column);
    }
    // slivka's lexer reads `-3` as a number even right after an operand; keep that, but explain it.
    const hint =
      token.kind === 'number' && token.text.startsWith('-')
        ? `; '${token.text}' is read as a negative number, write '- ${token.text.slice(1)}' to subtract`
        : '';
    return new ConditionError(
      `syntax error: multiple expressions, unexpected '${token.text}'${hint} (column ${column})`,
      column,
    );
  }

  private track<T extends Node>(node: T, ...children: Node[]): T {
    let depth = 1;
    for (const child of children) depth = Math.max(depth, (this.depths.get(child) ?? 1) + 1);
    if (depth > MAX_DEPTH) throw this.tooDeep(node.column);
    this.depths.set(node, depth);
    return node;
  }

  private tooDeep(column: number): ConditionError {
    return new ConditionError(
      `condition is nested too deeply (more than ${MAX_DEPTH} levels) (column ${column})`,
      column,
    );
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }
}

function isOperator(token: Token): boolean {
  return token.kind === 'operator' || (token.kind === 'keyword' && token.text !== 'null');
}

function unaryOp(token: Token): UnaryOp | undefined {
  return isOperator(token) ? UNARY_OPS.find((op) => op === token.text) : undefined;
}

function binaryOp(token: Token, level: number): BinaryOp | undefined {
  return isOperator(token) ? LEVELS[level].find((op) => op === token.text) : undefined;
}
