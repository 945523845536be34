import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';

/**
 * What a validator reads: a file's path, or its bytes when they are already in memory (a small
 * uploaded part is held whole while it is written, so reading it back from disk would only add
 * an open, a read and a close per file).
 */
export type FileContent = string | Buffer;

/** The content in chunks: the bytes as one chunk, or the file streamed (I/O errors reject). */
export function contentChunks(content: FileContent): AsyncIterable<Buffer> | Buffer[] {
  return typeof content === 'string' ? createReadStream(content) : [content];
}

/** The whole content; for formats that parse a complete document. */
export async function contentBytes(content: FileContent): Promise<Buffer> {
  return typeof content === 'string' ? readFile(content) : content;
}
