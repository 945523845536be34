import { invalid, OK, type MediaTypeCheck } from './check-result';
import { contentChunks, type FileContent } from './file-content';

/** A line-at-a-time state machine for one text format. */
export interface LineChecker {
  /** Returns what is wrong with this line, or undefined. */
  line(text: string, lineNumber: number): string | undefined;
  /** Called at end of file; returns what is wrong (naming lines itself if useful), or undefined. */
  end(): string | undefined;
}

/**
 * Reads the whole content line by line, so memory is bounded by the longest line whatever the file
 * size. Content problems resolve to `{ ok: false }`; I/O errors (missing file...) reject.
 *
 * Bytes are decoded as latin1 so that each byte is one character: slivka decoded these formats
 * as ASCII, and a non-ASCII byte must be reported, not silently replaced.
 */
export async function checkLines(
  content: FileContent,
  format: string,
  checker: LineChecker,
): Promise<MediaTypeCheck> {
  let lineNumber = 0;
  const visit = (text: string): string | undefined => {
    lineNumber++;
    const error = nonAscii(text) ?? checker.line(text, lineNumber);
    return error === undefined ? undefined : `line ${lineNumber}: ${error}`;
  };
  // Line ends as readline splits them: CRLF, LF, or a lone CR.
  const lineEnd = /\r\n|\n|\r/g;
  let carry = '';
  // Leaving the loop early destroys a file stream.
  for await (const chunk of contentChunks(content)) {
    const text = carry + chunk.toString('latin1');
    let start = 0;
    // The carried part holds no line end but perhaps a final CR: scan only from there.
    lineEnd.lastIndex = Math.max(0, carry.length - 1);
    for (let end = lineEnd.exec(text); end !== null; end = lineEnd.exec(text)) {
      // A CR ending the chunk may be the first half of a CRLF split across chunks.
      if (end[0] === '\r' && end.index === text.length - 1) break;
      const error = visit(text.slice(start, end.index));
      if (error !== undefined) return invalid(format, error);
      start = lineEnd.lastIndex;
    }
    carry = text.slice(start);
  }
  if (carry !== '') {
    const error = visit(carry.endsWith('\r') ? carry.slice(0, -1) : carry);
    if (error !== undefined) return invalid(format, error);
  }
  const error = checker.end();
  return error === undefined ? OK : invalid(format, error);
}

function nonAscii(text: string): string | undefined {
  const index = text.search(/[\u0080-\u00ff]/);
  if (index < 0) return undefined;
  const code = text.charCodeAt(index).toString(16).padStart(2, '0');
  return `non-ASCII byte 0x${code} at column ${index + 1}`;
}

export const isBlank = (text: string): boolean => text.trim() === '';

/** Residues and gaps as the sequence formats write them; digits or punctuation mean corruption. */
export function badSequenceChar(sequence: string): string | undefined {
  const match = /[^A-Za-z*.-]/.exec(sequence);
  return match === null ? undefined : `unexpected character '${match[0]}' in sequence`;
}
