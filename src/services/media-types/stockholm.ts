import { badSequenceChar, type LineChecker } from './line-checker';

const HEADER = '# STOCKHOLM 1.0';

/** Markup lines and how many fields must follow the tag (`#=GS <seq> <feature> <text>`). */
const MARKUP_FIELDS: Readonly<Record<string, number>> = { GF: 2, GC: 2, GS: 3, GR: 3 };

/**
 * Stockholm: `# STOCKHOLM 1.0`, then `name sequence` rows (interleaved blocks repeat names and
 * extend their rows), `#=GF/GS/GR/GC` markup and `#` comments, closed by `//`. Several alignments
 * may follow each other. As in Biopython, every row and every `#=GC` line must end up as wide as
 * the alignment. Stricter than Biopython: the `//` terminator that the format requires must be
 * present, and an alignment must have at least one row.
 */
export function stockholmChecker(): LineChecker {
  let state: 'before' | 'inside' | 'after' = 'before';
  let startLine = 0;
  let rows = new Map<string, number>(); // name -> columns so far
  let columns = new Map<string, number>(); // #=GC feature -> columns so far
  let alignments = 0;

  function finish(): string | undefined {
    const widths = [...rows.values()];
    if (widths.length === 0) return `the alignment starting at line ${startLine} has no sequences`;
    const width = widths[0];
    for (const [name, w] of rows) {
      if (w !== width) return `sequence '${name}' has ${w} columns, the first one has ${width}`;
    }
    for (const [feature, w] of columns) {
      if (w !== width) return `'#=GC ${feature}' has ${w} columns, the alignment has ${width}`;
    }
    alignments++;
    return undefined;
  }

  function markup(text: string): string | undefined {
    const tag = /^#=(G[FCSR])\s/.exec(text)?.[1];
    if (tag === undefined) return undefined; // a free comment
    const fields = text.trim().split(/\s+/).slice(1);
    if (fields.length < MARKUP_FIELDS[tag]) return `incomplete '#=${tag}' line`;
    if (tag === 'GC') {
      const [feature, value] = fields;
      if (fields.length > 2) return `'#=GC ${feature}' must have one character per column`;
      columns.set(feature, (columns.get(feature) ?? 0) + value.length);
    }
    return undefined;
  }

  function row(text: string): string | undefined {
    const fields = text.trim().split(/\s+/);
    if (fields.length !== 2) return "expected 'name sequence'";
    const [name, sequence] = fields;
    const bad = badSequenceChar(sequence);
    if (bad !== undefined) return bad;
    rows.set(name, (rows.get(name) ?? 0) + sequence.length);
    return undefined;
  }

  return {
    line(text, lineNumber) {
      const trimmed = text.trim();
      if (trimmed === HEADER) {
        if (state === 'inside') return `missing '//' before this header`;
        state = 'inside';
        startLine = lineNumber;
        rows = new Map();
        columns = new Map();
        return undefined;
      }
      if (trimmed === '') return undefined;
      if (state !== 'inside') return `expected a '${HEADER}' header`;
      if (trimmed === '//') {
        state = 'after';
        return finish();
      }
      return trimmed.startsWith('#') ? markup(trimmed) : row(trimmed);
    },
    end() {
      if (state === 'inside')
        return `missing '//' at the end of the alignment from line ${startLine}`;
      return alignments === 0 ? `no alignment found (expected a '${HEADER}' header)` : undefined;
    },
  };
}
