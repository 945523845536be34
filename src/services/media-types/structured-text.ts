import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { invalid, OK, type MediaTypeCheck } from './check-result';
import { contentBytes, type FileContent } from './file-content';
import { JsonSyntaxChecker } from './json-syntax';
import { YamlWorkerPool } from './yaml-worker';

/*
 * Neither check may hold the event loop: parsed on it, a 10 MiB YAML blocked it for two minutes
 * and a 30 MiB one exhausted the heap. JSON is checked by a streaming tokenizer, in linear time and
 * constant memory, one 64 KiB piece per turn of the event loop, at any size the upload limits
 * allow. YAML needs a real parser, which is slow and memory-hungry on hostile input: it runs in a
 * worker thread with a heap and a time limit, on files up to MAX_YAML_BYTES.
 */

/** The largest YAML file Damson parses to check it; a larger one is refused unread. */
export const MAX_YAML_BYTES = 4 * 1024 * 1024;

const PIECE_BYTES = 64 * 1024;

/** The content in pieces of at most 64 KiB, giving the event loop a turn between in-memory pieces. */
async function* pieces(content: FileContent): AsyncGenerator<Buffer> {
  if (typeof content === 'string') {
    yield* createReadStream(content, { highWaterMark: PIECE_BYTES }) as AsyncIterable<Buffer>;
    return;
  }
  for (let at = 0; at < content.length; at += PIECE_BYTES) {
    if (at > 0) await nextTurn();
    yield content.subarray(at, at + PIECE_BYTES);
  }
}

/**
 * Decodes strictly, so that a binary or mis-encoded file fails instead of parsing as U+FFFD; a
 * leading byte order mark is skipped, as before.
 */
export async function checkJson(content: FileContent): Promise<MediaTypeCheck> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const checker = new JsonSyntaxChecker();
  const notUtf8 = invalid('a JSON', 'not valid UTF-8');
  // Leaving the loop early destroys a file stream.
  for await (const piece of pieces(content)) {
    let text: string;
    try {
      text = decoder.decode(piece, { stream: true });
    } catch {
      return notUtf8;
    }
    const error = checker.feed(text);
    if (error !== undefined) return invalid('a JSON', error);
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    return notUtf8;
  }
  const error = checker.feed(rest) ?? checker.end();
  return error === undefined ? OK : invalid('a JSON', error);
}

let yamlPool: YamlWorkerPool | null = null;

/** Stops the YAML worker, if one runs (tests and shutdown; it never keeps a process alive). */
export async function stopYamlWorker(): Promise<void> {
  const pool = yamlPool;
  yamlPool = null;
  await pool?.close();
}

const tooLarge = (bytes: number): MediaTypeCheck => ({
  ok: false,
  reason:
    `a YAML file of ${bytes} bytes is larger than the ` +
    `${MAX_YAML_BYTES / 1024 / 1024} MiB limit for YAML validation`,
});

/**
 * Every document of a multi-document stream must parse. slivka never consumed the generator from
 * yaml.safe_load_all, so it accepted any file; Damson really checks. A file too large, or too
 * costly to parse within the worker's limits, is refused with the reason.
 */
export async function checkYaml(content: FileContent): Promise<MediaTypeCheck> {
  const size = typeof content === 'string' ? (await stat(content)).size : content.length;
  if (size > MAX_YAML_BYTES) return tooLarge(size);
  const bytes = await contentBytes(content);
  // The file may have grown since stat.
  if (bytes.length > MAX_YAML_BYTES) return tooLarge(bytes.length);
  yamlPool ??= new YamlWorkerPool();
  const verdict = await yamlPool.check(bytes);
  if (verdict.ok) return OK;
  return verdict.checked
    ? invalid('a YAML', verdict.detail)
    : { ok: false, reason: `could not be checked as YAML: ${verdict.detail}` };
}
