import { readFileSync } from 'node:fs';
import {
  Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Scalar,
  type Node,
} from 'yaml';
import { ConfigError } from '../errors';

export interface Position {
  line: number;
  col: number;
}

/** A parsed YAML file that remembers where each key came from, for errors that name a line. */
export class YamlSource {
  private constructor(
    readonly file: string,
    private readonly document: Document,
    private readonly lines: LineCounter,
    private readonly text: string,
  ) {}

  static read(file: string, customTags: Document['schema']['tags'] = []): YamlSource {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(file, '', `cannot read the file (${(error as Error).message})`);
    }
    return YamlSource.parse(file, text, customTags);
  }

  static parse(
    file: string,
    text: string,
    customTags: Document['schema']['tags'] = [],
  ): YamlSource {
    const lines = new LineCounter();
    const document = parseDocument(text, { lineCounter: lines, customTags, uniqueKeys: true });
    const problem = document.errors[0];
    if (problem) {
      const position = problem.linePos?.[0];
      throw new ConfigError(
        file,
        '',
        // The position is in the error already; yaml repeats it at the end of its message.
        `invalid YAML: ${problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
        position?.line,
        position?.col,
      );
    }
    return new YamlSource(file, document, lines, text);
  }

  toJS(): unknown {
    return this.document.toJS({ maxAliasCount: 100 });
  }

  /** The 1-based line of the deepest node that exists along `keyPath`. */
  lineOf(keyPath: readonly (string | number)[]): number | undefined {
    return this.positionOf(keyPath)?.line;
  }

  /**
   * Where the deepest node along `keyPath` starts (1-based line and column). With `atValue`, the
   * position of the value of the last key rather than of the key itself, for errors about a value.
   */
  positionOf(
    keyPath: readonly (string | number)[],
    atValue = false,
    /** Undefined rather than the nearest ancestor's position when the path does not exist. */
    exact = false,
  ): Position | undefined {
    let node: unknown = this.document.contents;
    let position = this.positionOfNode(node as Node | null);
    for (const [i, key] of keyPath.entries()) {
      const last = i === keyPath.length - 1;
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => String((item.key as { value?: unknown })?.value) === String(key),
        );
        if (!pair && exact) return undefined;
        if (!pair) break;
        position = this.positionOfNode(pair.key as Node) ?? position;
        node = pair.value;
        if (last && atValue) position = this.positionOfNode(node as Node) ?? position;
      } else if (isSeq(node) && /^\d+$/.test(String(key))) {
        node = node.items[Number(key)];
        position = this.positionOfNode(node as Node) ?? position;
      } else {
        break;
      }
    }
    return position;
  }

  /**
   * The first scalar along `keyPath` that carries a custom tag (such as `!include`) and has keys
   * left below it: what the rest of the path is looked up in lives elsewhere.
   */
  taggedScalarAlong(
    keyPath: readonly (string | number)[],
  ): { tag: string; value: string; rest: string[] } | undefined {
    let node: unknown = this.document.contents;
    for (const [i, key] of keyPath.entries()) {
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => String((item.key as { value?: unknown })?.value) === String(key),
        );
        node = pair?.value;
      } else if (isSeq(node) && /^\d+$/.test(String(key))) {
        node = node.items[Number(key)];
      } else {
        return undefined;
      }
      if (isScalar(node) && node.tag && typeof node.source === 'string' && i < keyPath.length - 1) {
        return { tag: node.tag, value: node.source, rest: keyPath.slice(i + 1).map(String) };
      }
      if (!node) return undefined;
    }
    return undefined;
  }

  /**
   * The position of the `offset`-th character (0-based) inside a one-line scalar value, for errors
   * about part of a value such as a condition; the value's start when that cannot be known.
   */
  positionInValue(keyPath: readonly (string | number)[], offset: number): Position | undefined {
    const start = this.positionOf(keyPath, true);
    const node = this.document.getIn(keyPath, true);
    if (!start || !isScalar(node) || !node.range || typeof node.source !== 'string') return start;
    const raw = this.text.slice(node.range[0], node.range[1]);
    const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
    const plain = node.type === Scalar.PLAIN;
    // Escapes or line folding would shift columns; then the value's start is the honest answer.
    const body = quoted ? raw.slice(1, -1) : raw;
    if ((!quoted && !plain) || raw.includes('\n') || body !== node.source) return start;
    return { line: start.line, col: start.col + (quoted ? 1 : 0) + offset };
  }

  /** The comment on the same line after a plain value (`key: a #b` has the comment `b`). */
  trailingComment(keyPath: readonly (string | number)[]): string | undefined {
    const node = this.document.getIn(keyPath, true);
    return isScalar(node) && node.type === Scalar.PLAIN && node.comment ? node.comment : undefined;
  }

  errorInValue(keyPath: readonly (string | number)[], reason: string, offset: number): ConfigError {
    const position = this.positionInValue(keyPath, offset);
    return new ConfigError(this.file, keyPath.join('/'), reason, position?.line, position?.col);
  }

  error(keyPath: readonly (string | number)[], reason: string, atValue = false): ConfigError {
    const position = this.positionOf(keyPath, atValue);
    return new ConfigError(this.file, keyPath.join('/'), reason, position?.line, position?.col);
  }

  private positionOfNode(node: Node | null | undefined): Position | undefined {
    const start = node?.range?.[0];
    return start === undefined ? undefined : this.lines.linePos(start);
  }
}
