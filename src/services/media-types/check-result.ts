export type MediaTypeCheck = { ok: true } | { ok: false; reason: string };

export type MediaTypeValidator = (filePath: string) => Promise<MediaTypeCheck>;

export const OK: MediaTypeCheck = Object.freeze({ ok: true });

/**
 * `format` carries its own article ("a FASTA", "an EMBL") because no rule gets acronyms right.
 * Reasons read `not a FASTA file: line 3: ...` so a form can append them to slivka's message.
 */
export function invalid(format: string, detail: string): MediaTypeCheck {
  return { ok: false, reason: `not ${format} file: ${detail}` };
}
