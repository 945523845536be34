/*
 * PyYAML ignores the indentation of the continuation lines of a multi-line quoted scalar: they may
 * start with tabs, or sit left of the key, and the line's leading white space is folded away.
 * The `yaml` package follows the YAML spec and refuses both (slivka-bio's jronn.service.yaml
 * continues a quoted description on tab-indented lines). This finds those continuation lines and
 * re-indents them with spaces right of the opening quote, which gives the same value; the caller
 * tries it only when the file as written does not parse, and keeps it only when it then does.
 */

type Quote = '"' | "'";

interface Scan {
  quote: Quote | null;
  /** Column of the opening quote of the scalar still open at the end of the line. */
  quoteColumn: number;
  /** Indentation of the line that opened a block scalar (`|`, `>`) whose lines follow. */
  blockIndent: number | null;
}

const NODE_START_AFTER = new Set(['[', '{', ',']);

function indentOf(line: string): number {
  return /^ */.exec(line)?.[0].length ?? 0;
}

/** Scans one line from `from`, updating the quote and block-scalar state. */
function scanLine(line: string, from: number, state: Scan): void {
  let nodeStart = true;
  let i = from;
  while (i < line.length) {
    const c = line[i];
    if (state.quote === '"') {
      if (c === '\\') i += 1;
      else if (c === '"') state.quote = null;
      i += 1;
      nodeStart = false;
      continue;
    }
    if (state.quote === "'") {
      if (c === "'" && line[i + 1] === "'") i += 1;
      else if (c === "'") state.quote = null;
      i += 1;
      nodeStart = false;
      continue;
    }
    if (c === ' ' || c === '\t') {
      i += 1;
      continue;
    }
    const afterSpace = i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t';
    if (c === '#' && afterSpace) return;
    if (nodeStart && (c === '"' || c === "'")) {
      state.quote = c;
      state.quoteColumn = i;
      i += 1;
      continue;
    }
    if (nodeStart && (c === '|' || c === '>')) {
      state.blockIndent = indentOf(line);
      return;
    }
    if (nodeStart && (c === '!' || c === '&')) {
      // A tag or anchor: the node proper starts after it.
      while (i < line.length && line[i] !== ' ' && line[i] !== '\t') i += 1;
      continue;
    }
    const next = line[i + 1];
    const separated = next === undefined || next === ' ' || next === '\t';
    if ((c === ':' || c === '-' || c === '?') && separated) nodeStart = true;
    else nodeStart = NODE_START_AFTER.has(c);
    i += 1;
  }
}

/** The text with quoted continuation lines re-indented, or undefined when none needed it. */
export function reindentQuotedContinuations(text: string): string | undefined {
  const lines = text.split('\n');
  const state: Scan = { quote: null, quoteColumn: 0, blockIndent: null };
  let changed = false;
  for (const [n, line] of lines.entries()) {
    if (state.quote !== null) {
      const body = line.replace(/^[ \t]+/, '');
      const marker = /^(?:---|\.\.\.)(?:[ \t\r]|$)/.test(line);
      const wanted =
        body.replace(/\r$/, '') === '' ? body : ' '.repeat(state.quoteColumn + 1) + body;
      if (!marker && wanted !== line) {
        lines[n] = wanted;
        changed = true;
      }
      scanLine(lines[n], lines[n].length - body.length, state);
      continue;
    }
    if (state.blockIndent !== null) {
      if (line.trim() === '' || indentOf(line) > state.blockIndent) continue;
      state.blockIndent = null;
    }
    scanLine(line, 0, state);
  }
  return changed ? lines.join('\n') : undefined;
}
