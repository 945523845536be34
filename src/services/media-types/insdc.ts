import { isBlank, type LineChecker } from './line-checker';

/**
 * GenBank and EMBL flat files share one shape: a start line, header and feature lines, an
 * optional sequence section, and `//` closing every record. They differ in how lines are tagged.
 */
interface InsdcLayout {
  /** With its article, for messages: "a LOCUS line". */
  startLine: string;
  start: RegExp;
  sequenceStart: RegExp;
  /** A record without sequence is still complete when it has a contig (assembly) section. */
  contig: RegExp;
  /** Header and feature lines: tagged, or continuations. */
  header: RegExp;
  headerHint: string;
  sequenceLine: RegExp;
  sequenceHint: string;
}

/*
 * The regexes below alternate mandatory whitespace with runs of non-space characters, so they
 * cannot backtrack exponentially on a long malformed line.
 */
const GENBANK: InsdcLayout = {
  startLine: 'a LOCUS line',
  start: /^LOCUS\s+\S/,
  sequenceStart: /^ORIGIN\b/,
  contig: /^CONTIG\b/,
  // Keywords start at column 1 (DEFINITION, BASE COUNT...); sub-keywords and continuations are
  // indented.
  header: /^(?:[A-Z][A-Z_]*(?:\s|$)|\s)/,
  headerHint: 'expected a keyword such as DEFINITION or an indented continuation line',
  // "        1 gatcctccat atacaacggt ..."
  sequenceLine: /^\s*\d+(?:\s+[A-Za-z*.-]+)*\s*$/,
  sequenceHint: "expected a sequence line: a position then bases, e.g. '1 acgtacgtac'",
};

const EMBL: InsdcLayout = {
  startLine: 'an ID line',
  start: /^ID {3}\S/,
  sequenceStart: /^SQ(?: {3}|\s*$)/,
  contig: /^CO {3}/,
  // Two-character line codes (DE, XX, FT...) followed by three spaces, or alone.
  header: /^[A-Z0-9]{2}(?: {3}|\s*$)/,
  headerHint: "expected a two-character line code such as 'DE   '",
  // "     gatcctccat atacaacggt atctccacct ...        60"
  sequenceLine: /^\s+[A-Za-z*.-]+(?:\s+[A-Za-z*.-]+)*(?:\s+\d+)?\s*$/,
  sequenceHint: "expected a sequence line: bases in groups then a count, e.g. 'acgtacgtac   10'",
};

/**
 * Stricter than Biopython, which skips any preamble before the first record and does not look at
 * header lines: here only blank lines may surround records, every header line must be tagged or
 * indented, and each record needs a sequence (or contig) section.
 */
function insdcChecker(layout: InsdcLayout): LineChecker {
  let state: 'between' | 'header' | 'sequence' = 'between';
  let startLine = 0;
  let hasBody = false;
  let records = 0;

  return {
    line(text, lineNumber) {
      if (state === 'between') {
        if (isBlank(text)) return undefined;
        if (!layout.start.test(text)) return `expected ${layout.startLine}`;
        state = 'header';
        startLine = lineNumber;
        hasBody = false;
        return undefined;
      }
      if (text.trimEnd() === '//') {
        if (!hasBody) {
          return `the record from line ${startLine} has no sequence (or contig) section`;
        }
        state = 'between';
        records++;
        return undefined;
      }
      if (isBlank(text)) return undefined;
      if (layout.start.test(text)) {
        return `a new record starts before '//' closed the record from line ${startLine}`;
      }
      if (state === 'sequence') {
        return layout.sequenceLine.test(text) ? undefined : layout.sequenceHint;
      }
      if (layout.sequenceStart.test(text)) {
        state = 'sequence';
        hasBody = true;
      } else if (layout.contig.test(text)) {
        hasBody = true;
      } else if (!layout.header.test(text)) {
        return layout.headerHint;
      }
      return undefined;
    },
    end() {
      if (state !== 'between') {
        return `missing '//' at the end of the record from line ${startLine}`;
      }
      return records === 0 ? `no records found (expected ${layout.startLine})` : undefined;
    },
  };
}

export const genbankChecker = (): LineChecker => insdcChecker(GENBANK);
export const emblChecker = (): LineChecker => insdcChecker(EMBL);
