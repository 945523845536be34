import { readFileSync } from 'node:fs';
import { Document, isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { ConfigError } from '../errors';

/** A parsed YAML file that remembers where each key came from, for errors that name a line. */
export class YamlSource {
  private constructor(
    readonly file: string,
    private readonly document: Document,
    private readonly lines: LineCounter,
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
      const line = problem.linePos?.[0].line;
      throw new ConfigError(file, '', `invalid YAML: ${problem.message.split('\n')[0]}`, line);
    }
    return new YamlSource(file, document, lines);
  }

  toJS(): unknown {
    return this.document.toJS({ maxAliasCount: 100 });
  }

  /** The 1-based line of the deepest node that exists along `keyPath`. */
  lineOf(keyPath: readonly (string | number)[]): number | undefined {
    let node: unknown = this.document.contents;
    let line = this.lineOfNode(node as Node | null);
    for (const key of keyPath) {
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => String((item.key as { value?: unknown })?.value) === String(key),
        );
        if (!pair) break;
        line = this.lineOfNode(pair.key as Node) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number') {
        node = node.items[key];
        line = this.lineOfNode(node as Node) ?? line;
      } else {
        break;
      }
    }
    return line;
  }

  error(keyPath: readonly (string | number)[], reason: string): ConfigError {
    return new ConfigError(this.file, keyPath.join('/'), reason, this.lineOf(keyPath));
  }

  private lineOfNode(node: Node | null | undefined): number | undefined {
    const start = node?.range?.[0];
    return start === undefined ? undefined : this.lines.linePos(start).line;
  }
}
