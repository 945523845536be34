import { chmod, link, lstat, mkdir, rename, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { SHARED_UPLOADS_DIRECTORY } from '../jobs';
import { PRIVATE_DIRECTORY_MODE } from '../lifecycle/private-paths';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const SHARED_FILE_MODE = 0o400;
/** Tries of the link-or-publish race before keeping the upload's own copy. */
const ATTEMPTS = 3;

const codeOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

/**
 * Makes `file` (a just-committed upload, named by its upload id) share its bytes with every
 * earlier upload of the same content: a hard link to `<uploads>/.by-content/<sha256>` replaces
 * it, or, when it is the first, it becomes that name. The filesystem's link count is the
 * reference count: each upload record keeps its own name (its path never changes), deleting an
 * upload removes only that name, and the bytes go with the last one. A race with the sweeper
 * (which removes a content name left with no upload) can only cost the sharing, never a file: a
 * link made before the removal keeps the bytes, one tried after it fails and the upload keeps
 * its own copy. Any failure leaves the upload as it was.
 */
export async function shareUploadContent(
  uploadsDirectory: string,
  file: string,
  sha256: string,
  size: number,
): Promise<void> {
  if (!SHA256_HEX.test(sha256)) return;
  const directory = path.join(uploadsDirectory, SHARED_UPLOADS_DIRECTORY);
  await mkdir(directory, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  const shared = path.join(directory, sha256);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    // The same bytes are stored already: link to them and let this copy go.
    const existing = await lstat(shared).catch(() => null);
    if (existing) {
      // A name whose file is not what it claims (not a regular file, or another size) is left
      // alone: the upload keeps its own copy.
      if (!existing.isFile() || existing.size !== size) return;
      const staged = `${file}.shared`;
      try {
        await link(shared, staged);
      } catch (error) {
        if (codeOf(error) === 'ENOENT') continue; // swept just now: publish this copy instead
        return;
      }
      try {
        // The bytes may be days old, and so their mtime: until its record is written, the new
        // name must look as recent as the upload, or the orphan sweep would take it.
        const now = new Date();
        await utimes(staged, now, now);
        await rename(staged, file);
      } catch {
        await unlink(staged).catch(() => undefined);
      }
      return;
    }
    try {
      // Shared bytes are read-only: a tool writing to its input would change every upload's.
      await chmod(file, SHARED_FILE_MODE);
      await link(file, shared);
      return;
    } catch (error) {
      if (codeOf(error) !== 'EEXIST') return;
      // An identical upload published it first: link to that one on the next try.
    }
  }
}
