import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Modes of what Damson creates for itself: job ids, inputs and outputs are private to the
 * account that runs it, whatever the umask (which can only remove bits, so the modes are also
 * set explicitly after creation).
 */
export const PRIVATE_DIRECTORY_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `directory` and any missing parents, each 0700. Directories that already exist keep
 * their mode: an operator may have opened one on purpose (see docs/deployment.md).
 */
export function makePrivateDirectory(directory: string): void {
  const first = mkdirSync(directory, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  if (!first) return;
  // mkdirSync returns the first directory it created; every level from there down is new.
  const created = path.relative(first, directory);
  let at = first;
  chmodSync(at, PRIVATE_DIRECTORY_MODE);
  for (const part of created ? created.split(path.sep) : []) {
    at = path.join(at, part);
    chmodSync(at, PRIVATE_DIRECTORY_MODE);
  }
}

/** Creates `file` empty and 0600 unless it exists (so a library that opens it inherits the mode). */
export function createPrivateFile(file: string): void {
  try {
    closeSync(openSync(file, 'wx', PRIVATE_FILE_MODE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw error;
  }
  chmodSync(file, PRIVATE_FILE_MODE);
}

/**
 * Takes group and other access away from `file` if it exists and has any: for Damson's own data
 * files made by an older version under a lax umask. A file of another account is left alone.
 */
export function tightenFileMode(file: string): void {
  try {
    if (statSync(file).mode & 0o077) chmodSync(file, PRIVATE_FILE_MODE);
  } catch {
    // Gone, or not ours: nothing to tighten.
  }
}
