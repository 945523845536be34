import type { MediaTypeCheck, MediaTypeValidator } from './check-result';
import { clustalChecker } from './clustal';
import { fastaChecker } from './fasta';
import { emblChecker, genbankChecker } from './insdc';
import { checkLines, type LineChecker } from './line-checker';
import { checkPlainText } from './plain-text';
import { stockholmChecker } from './stockholm';
import { checkJson, checkYaml } from './structured-text';

export type { MediaTypeCheck, MediaTypeValidator };

/**
 * The formats slivka checked with Biopython. `pfam` is not a Biopython format: slivka mapped it
 * to the Stockholm parser, Pfam's own alignment format, and so does Damson.
 */
const SEQUENCE_FORMATS: ReadonlyArray<readonly [string, string, () => LineChecker]> = [
  ['fasta', 'a FASTA', fastaChecker],
  ['clustal', 'a Clustal', clustalChecker],
  ['genbank', 'a GenBank', genbankChecker],
  ['embl', 'an EMBL', emblChecker],
  ['stockholm', 'a Stockholm', stockholmChecker],
  ['pfam', 'a Pfam (Stockholm)', stockholmChecker],
];

const SEQUENCE_PREFIXES = ['application/', 'application/x-', 'text/'];

const VALIDATORS = new Map<string, MediaTypeValidator>([
  ['text/plain', checkPlainText],
  ['application/json', checkJson],
  ['application/yaml', checkYaml],
  ['application/x-yaml', checkYaml],
]);
for (const [name, format, checker] of SEQUENCE_FORMATS) {
  const validate: MediaTypeValidator = (content) => checkLines(content, format, checker());
  for (const prefix of SEQUENCE_PREFIXES) VALIDATORS.set(prefix + name, validate);
}

/**
 * Returns a validator for a media type, or undefined when Damson has none (then anything is
 * accepted, as slivka does). Unlike slivka's exact dictionary lookup, case and parameters such as
 * `; charset=utf-8` are ignored, since media types are case-insensitive.
 *
 * A validator resolves to `{ ok: false, reason }` for bad content and rejects only on I/O errors.
 */
export function mediaTypeValidator(mediaType: string): MediaTypeValidator | undefined {
  return VALIDATORS.get(mediaType.split(';')[0].trim().toLowerCase());
}

export function knownMediaTypes(): string[] {
  return [...VALIDATORS.keys()].sort();
}
