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
  type YAMLError,
  visit,
} from 'yaml';
import { ConfigError } from '../errors';
import { PY_INT, pyyamlOptions } from './pyyaml-schema';
import { reindentQuotedContinuations } from './quoted-continuations';

function parsePyyaml(
  text: string,
  customTags: Document['schema']['tags'],
): { document: Document; lines: LineCounter } {
  const lines = new LineCounter();
  const document = parseDocument(text, {
    ...pyyamlOptions(customTags),
    lineCounter: lines,
    uniqueKeys: true,
  });
  return { document, lines };
}

/**
 * PyYAML keeps a mapping key YAML 1.1 reads as a boolean, null or number as that value, and
 * slivka sees it as Python's `str()` of it wherever a key becomes text: `on:` is `True`, not
 * `true`. Keys are given that spelling, so a document means what it means to slivka.
 */
function pythonKeys(document: Document): void {
  visit(document, {
    Pair(_, pair) {
      const key = pair.key;
      if (!isScalar(key)) return;
      const value: unknown = key.value;
      if (typeof value === 'boolean') key.value = value ? 'True' : 'False';
      else if (value === null) key.value = 'None';
      else if (typeof value === 'number' && Number.isInteger(value)) {
        const written = typeof key.source === 'string' ? key.source : '';
        key.value = PY_INT.test(written) ? String(value) : `${value}.0`;
      }
    },
  });
}

/** The parser's first line of a message, without the position it repeats at the end. */
function errorText(error: YAMLError): string {
  return error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

const MAX_REPORTED_ERRORS = 5;

/**
 * One YAML mistake often makes the parser report several errors, and the first is not always
 * the cause (a tab-indented line first shows up as a quote that "never closes"). The error
 * that names a tab leads when there is one, since tabs are the usual cause; the others follow.
 */
function yamlError(file: string, errors: readonly YAMLError[]): ConfigError {
  const lead = errors.find((e) => e.code === 'TAB_AS_INDENT') ?? errors[0];
  const others = errors
    .filter((e) => e !== lead)
    .slice(0, MAX_REPORTED_ERRORS - 1)
    .map((e) => {
      const at = e.linePos?.[0];
      return at ? `${at.line}:${at.col}: ${errorText(e)}` : errorText(e);
    });
  const position = lead.linePos?.[0];
  const more = others.length ? ` (the parser also reported: ${others.join('; ')})` : '';
  return new ConfigError(
    file,
    '',
    `invalid YAML: ${errorText(lead)}${more}`,
    position?.line,
    position?.col,
  );
}

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
    const parsed = parsePyyaml(text, customTags);
    if (parsed.document.errors.length === 0) {
      pythonKeys(parsed.document);
      return new YamlSource(file, parsed.document, parsed.lines, text);
    }
    // PyYAML reads quoted scalars continued on tab-indented lines; try that reading before refusing.
    const repaired = reindentQuotedContinuations(text);
    if (repaired !== undefined) {
      const retry = parsePyyaml(repaired, customTags);
      if (retry.document.errors.length === 0) {
        pythonKeys(retry.document);
        return new YamlSource(file, retry.document, retry.lines, repaired);
      }
      // What is left once PyYAML's tolerance is granted is what PyYAML refuses too.
      throw yamlError(file, retry.document.errors);
    }
    throw yamlError(file, parsed.document.errors);
  }

  toJS(): unknown {
    return this.document.toJS({ maxAliasCount: 100 });
  }

  /** The node at `keyPath` as parsed (scalars keep their source text), or undefined. */
  nodeAt(keyPath: readonly (string | number)[]): unknown {
    return this.document.getIn(keyPath, true);
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
