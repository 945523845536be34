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
 * The longest line checked, in bytes. A longer line is refused rather than held: a line is joined
 * in memory and checked in one synchronous call, so this bounds both the memory of a check and
 * how long it holds the event loop. Sequence files wrap their lines (60-80 columns) or, unwrapped,
 * hold one sequence per line; 16 MiB is a 16-megabase sequence on one line.
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Reads the whole content line by line, so memory is bounded by the longest line whatever the file
 * size. Content problems resolve to `{ ok: false }`; I/O errors (missing file...) reject.
 *
 * Bytes are decoded as latin1 so that each byte is one character: slivka decoded these formats
 * as ASCII, and a non-ASCII byte must be reported, not silently replaced.
 *
 * Linear in the content: each chunk is scanned once for line ends and for non-ASCII bytes, and
 * a line spread over many chunks is kept as a list of pieces joined once, at its end.
 */
export async function checkLines(
  content: FileContent,
  format: string,
  checker: LineChecker,
): Promise<MediaTypeCheck> {
  let lineNumber = 0;
  let pieces: string[] = [];
  let lineBytes = 0;
  const visit = (last: string): string | undefined => {
    lineNumber++;
    const text = pieces.length === 0 ? last : pieces.join('') + last;
    pieces = [];
    lineBytes = 0;
    return checker.line(text, lineNumber);
  };
  /** Whether the pending line grows past the limit, or holds a non-ASCII byte, with `piece`. */
  const grow = (piece: string): string | undefined => {
    const at = piece.search(/[\u0080-\u00ff]/);
    if (at >= 0) {
      const code = piece.charCodeAt(at).toString(16).padStart(2, '0');
      return `line ${lineNumber + 1}: non-ASCII byte 0x${code} at column ${lineBytes + at + 1}`;
    }
    lineBytes += piece.length;
    if (lineBytes > MAX_LINE_BYTES) {
      return `line ${lineNumber + 1} is longer than the ${MAX_LINE_BYTES / 1024 / 1024} MiB Damson checks`;
    }
    return undefined;
  };
  // Line ends as readline splits them: CRLF, LF, or a lone CR.
  const lineEnd = /\r\n|\n|\r/g;
  // A CR ended the previous chunk: the line has ended; an LF starting this chunk belongs to it.
  let afterCr = false;
  // Leaving the loop early destroys a file stream.
  for await (const chunk of contentChunks(content)) {
    const text = chunk.toString('latin1');
    if (text.length === 0) continue;
    let start: number = afterCr && text.startsWith('\n') ? 1 : 0;
    afterCr = false;
    lineEnd.lastIndex = start;
    for (let end = lineEnd.exec(text); end !== null; end = lineEnd.exec(text)) {
      const piece = text.slice(start, end.index);
      const tooLong = grow(piece);
      if (tooLong !== undefined) return invalid(format, tooLong);
      const error = visit(piece);
      if (error !== undefined) return invalid(format, `line ${lineNumber}: ${error}`);
      start = lineEnd.lastIndex;
      afterCr = end[0] === '\r' && start === text.length;
    }
    if (start < text.length) {
      const piece = text.slice(start);
      const error = grow(piece);
      if (error !== undefined) return invalid(format, error);
      pieces.push(piece);
    }
  }
  if (pieces.length > 0) {
    const error = visit('');
    if (error !== undefined) return invalid(format, `line ${lineNumber}: ${error}`);
  }
  const error = checker.end();
  return error === undefined ? OK : invalid(format, error);
}

export const isBlank = (text: string): boolean => text.trim() === '';

/** Residues and gaps as the sequence formats write them; digits or punctuation mean corruption. */
export function badSequenceChar(sequence: string): string | undefined {
  const match = /[^A-Za-z*.-]/.exec(sequence);
  return match === null ? undefined : `unexpected character '${match[0]}' in sequence`;
}
