import { badSequenceChar, isBlank, type LineChecker } from './line-checker';

/** First words Biopython accepts on the header line (tools that write Clustal-like output). */
const HEADERS = ['CLUSTAL', 'PROBCONS', 'MUSCLE', 'MSAPROBS', 'Kalign', 'Biopython'];

const CONSERVATION = /^[*:. ]*$/;

/**
 * Clustal: a header line, then blocks separated by blank lines. A block holds one
 * `name sequence [count]` line per sequence and optionally an indented conservation line. The
 * checks follow what Biopython asserts: every block lists the same names in the same order, all
 * rows of a block are equally wide, and an optional count equals the residues (non-`-`) so far.
 * Several alignments may be concatenated, each starting with its own header.
 */
export function clustalChecker(): LineChecker {
  let inAlignment = false;
  let names: string[] = [];
  let residues: number[] = [];
  let firstBlock = true;
  let row = 0; // rows seen in the current block
  let width = 0; // columns of the current block

  function endBlock(): string | undefined {
    if (row === 0) return undefined;
    const seen = row;
    row = 0;
    if (firstBlock) {
      firstBlock = false;
      return undefined;
    }
    if (seen !== names.length) {
      return `a block has ${seen} sequences but the first block has ${names.length}`;
    }
    return undefined;
  }

  function startAlignment(text: string): string | undefined {
    if (!HEADERS.includes(text.trim().split(/\s+/)[0])) {
      return `expected a header starting with one of ${HEADERS.join(', ')}`;
    }
    inAlignment = true;
    names = [];
    residues = [];
    firstBlock = true;
    return undefined;
  }

  function sequenceLine(text: string): string | undefined {
    const fields = text.trim().split(/\s+/);
    if (fields.length < 2 || fields.length > 3) return "expected 'name sequence [count]'";
    const [name, sequence, count] = fields;
    const bad = badSequenceChar(sequence);
    if (bad !== undefined) return bad;
    if (firstBlock) {
      names.push(name);
      residues.push(0);
    } else if (row >= names.length) {
      return `a block has more sequences than the first block (${names.length})`;
    } else if (name !== names[row]) {
      return `expected sequence '${names[row]}' (same order as the first block), found '${name}'`;
    }
    if (row === 0) {
      width = sequence.length;
    } else if (sequence.length !== width) {
      return `sequence '${name}' has ${sequence.length} columns in this block, the others ${width}`;
    }
    residues[row] += sequence.replace(/-/g, '').length;
    if (count !== undefined && !(/^\d+$/.test(count) && Number(count) === residues[row])) {
      return `count '${count}' does not match the ${residues[row]} residues of '${name}' so far`;
    }
    row++;
    return undefined;
  }

  return {
    line(text) {
      if (isBlank(text)) return endBlock();
      if (!inAlignment) return startAlignment(text);
      if (/^\s/.test(text)) {
        if (row === 0) return 'conservation line outside a block of sequences';
        if (!CONSERVATION.test(text)) return "conservation lines may only hold '*', ':' and '.'";
        return endBlock();
      }
      if (row === 0 && HEADERS.includes(text.split(/\s+/)[0])) {
        if (firstBlock) return 'alignment has no sequences';
        return startAlignment(text);
      }
      return sequenceLine(text);
    },
    end() {
      if (!inAlignment) return 'no CLUSTAL header found';
      const error = endBlock();
      if (error !== undefined) return `at end of file: ${error}`;
      return firstBlock ? 'alignment has no sequences' : undefined;
    },
  };
}
