import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { invalid, OK, type MediaTypeCheck } from './check-result';

/** A line-at-a-time state machine for one text format. */
export interface LineChecker {
  /** Returns what is wrong with this line, or undefined. */
  line(text: string, lineNumber: number): string | undefined;
  /** Called at end of file; returns what is wrong (naming lines itself if useful), or undefined. */
  end(): string | undefined;
}

/**
 * Streams the whole file line by line, so memory is bounded by the longest line whatever the file
 * size. Content problems resolve to `{ ok: false }`; I/O errors (missing file...) reject.
 *
 * Bytes are decoded as latin1 so that each byte is one character: slivka decoded these formats
 * as ASCII, and a non-ASCII byte must be reported, not silently replaced.
 */
export async function checkLines(
  filePath: string,
  format: string,
  checker: LineChecker,
): Promise<MediaTypeCheck> {
  const stream = createReadStream(filePath, { encoding: 'latin1' });
  await once(stream, 'open');
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const text of lines) {
      lineNumber++;
      const error = nonAscii(text) ?? checker.line(text, lineNumber);
      if (error !== undefined) return invalid(format, `line ${lineNumber}: ${error}`);
    }
  } finally {
    lines.close();
    stream.destroy();
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
