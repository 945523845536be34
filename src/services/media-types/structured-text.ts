import { parseAllDocuments } from 'yaml';
import { invalid, OK, type MediaTypeCheck } from './check-result';
import { contentBytes, type FileContent } from './file-content';

/*
 * JSON and YAML are parsed whole, as slivka's json.load did: a syntax check needs the full
 * document anyway, and neither parser here works on a stream.
 */

/** Decodes strictly, so that a binary or mis-encoded file fails instead of parsing as U+FFFD. */
async function readUtf8(content: FileContent): Promise<string | undefined> {
  const bytes = await contentBytes(content);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

export async function checkJson(content: FileContent): Promise<MediaTypeCheck> {
  const text = await readUtf8(content);
  if (text === undefined) return invalid('a JSON', 'not valid UTF-8');
  try {
    JSON.parse(text);
    return OK;
  } catch (e) {
    return invalid('a JSON', e instanceof Error ? e.message : String(e));
  }
}

/**
 * Every document of a multi-document stream must parse. slivka never consumed the generator from
 * yaml.safe_load_all, so it accepted any file; Damson really checks. Duplicate keys are allowed
 * because PyYAML allows them (the last one wins). Aliases are not expanded: only syntax is read.
 */
export async function checkYaml(content: FileContent): Promise<MediaTypeCheck> {
  const text = await readUtf8(content);
  if (text === undefined) return invalid('a YAML', 'not valid UTF-8');
  const docs = parseAllDocuments(text, { uniqueKeys: false });
  const errors = 'empty' in docs ? docs.errors : docs.flatMap((doc) => doc.errors);
  if (errors.length === 0) return OK;
  const first = errors[0];
  const pos = first.linePos?.[0];
  const where = pos === undefined ? '' : `line ${pos.line}, column ${pos.col}: `;
  // The parser's message ends with a multi-line excerpt of the source; keep the sentence.
  const message = first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return invalid('a YAML', `${where}${message}`);
}
