/**
 * How an output file is sent, decided by an allow-list: only formats a browser shows without
 * running anything keep their own type. Everything textual (HTML, SVG, XHTML, every `+xml`,
 * scripts, stylesheets, sequence formats...) is plain text; anything else is a download. A deny
 * list of "active" types missed `application/*+xml`; an allow list cannot miss a new one.
 */
export interface OutputDelivery {
  contentType: string;
  attachment: boolean;
}

export const PLAIN_TEXT = 'text/plain; charset=utf-8';

/** Inert, shown inline with their own type. */
const INLINE_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
  'application/pdf',
  'application/json',
]);

/** Types the media-type table gets wrong for scientific text formats (`.pdb` is a Palm database). */
const TEXT_EXTENSIONS = new Set(
  (
    'fa fasta fas faa fna ffn frn fastq fq aln clustal clw sto stk gb gbk genbank embl pdb ent ' +
    'cif mmcif nwk newick tre tree phy phylip nex nexus msf pir a3m a2m hmm vcf bed gff gff3 gtf ' +
    'sam out err log stdout stderr'
  ).split(' '),
);

function isTextual(mediaType: string): boolean {
  return (
    mediaType.startsWith('text/') ||
    mediaType.endsWith('+xml') ||
    mediaType.endsWith('+json') ||
    mediaType === 'application/xml' ||
    mediaType === 'application/javascript' ||
    mediaType === 'application/ecmascript' ||
    mediaType === 'application/x-sh' ||
    mediaType === 'application/yaml'
  );
}

/**
 * `extension` is the file's (with or without its dot, any case); `guessedType` is what the
 * extension table says (`application/octet-stream` when it knows nothing).
 */
export function outputDelivery(extension: string, guessedType: string): OutputDelivery {
  const ext = extension.replace(/^\./, '').toLowerCase();
  const mediaType = guessedType.split(';')[0].trim().toLowerCase();
  if (!ext || TEXT_EXTENSIONS.has(ext)) return { contentType: PLAIN_TEXT, attachment: false };
  if (INLINE_TYPES.has(mediaType)) return { contentType: guessedType, attachment: false };
  if (isTextual(mediaType)) return { contentType: PLAIN_TEXT, attachment: false };
  return { contentType: 'application/octet-stream', attachment: true };
}
