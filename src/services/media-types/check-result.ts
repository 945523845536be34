export type MediaTypeCheck = { ok: true } | { ok: false; reason: string };

import type { FileContent } from './file-content';

/** Checks a file (by path, or its bytes when they are in memory); rejects only on I/O errors. */
export type MediaTypeValidator = (content: FileContent) => Promise<MediaTypeCheck>;

export const OK: MediaTypeCheck = Object.freeze({ ok: true });

/**
 * `format` carries its own article ("a FASTA", "an EMBL") because no rule gets acronyms right.
 * Reasons read `not a FASTA file: line 3: ...` so a form can append them to slivka's message.
 */
export function invalid(format: string, detail: string): MediaTypeCheck {
  return { ok: false, reason: `not ${format} file: ${detail}` };
}
