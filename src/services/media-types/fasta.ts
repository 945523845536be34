import { badSequenceChar, isBlank, type LineChecker } from './line-checker';

/**
 * FASTA: `>` header lines, each followed by any number of sequence lines. Like Biopython we
 * ignore blank lines and spaces inside sequence lines and accept a header with no sequence;
 * unlike old Biopython we reject text before the first header (newer Biopython does too), and we
 * reject sequence lines holding anything but residues, gaps and stops, which Biopython never
 * looked at.
 */
export function fastaChecker(): LineChecker {
  let records = 0;
  return {
    line(text) {
      if (text.startsWith('>')) {
        records++;
        return undefined;
      }
      if (isBlank(text)) return undefined;
      if (records === 0) return "expected a '>' header";
      return badSequenceChar(text.replace(/\s+/g, ''));
    },
    end() {
      return records === 0 ? "no records found (expected a '>' header)" : undefined;
    },
  };
}
