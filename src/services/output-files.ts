import { lstat, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';

// The files of a job directory that are its outputs: shared by the server (listing, file ids)
// and the scheduler (a pipeline step's inputs are resolved from its upstream's outputs).

/** fnmatch as slivka uses it: `*` also matches `/`, `?` one character, `[...]` and `[!...]` classes. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        let body = glob.slice(i + 1, end);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        out += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 's');
}

/** Names the agents use for their own records in a job directory (exit status, engine ids). */
export const isAgentRecord = (name: string): boolean => name.startsWith('.damson');

/**
 * Regular files below `root`, as relative paths. Symlinks (linked inputs) and the agents' own
 * records are not outputs.
 */
export async function walkFiles(root: string, relative = ''): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(path.join(root, relative), { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (isAgentRecord(entry.name)) continue;
    const rel = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await walkFiles(root, rel)));
    else if (entry.isFile()) files.push(rel);
  }
  return files;
}

/**
 * Resolves `relative` inside `root` and returns the real path only when it is a regular file that
 * stays inside `root` after following every symlink; otherwise null.
 */
export async function confinedFile(root: string, relative: string): Promise<string | null> {
  if (!relative || relative.includes('\0') || path.isAbsolute(relative)) return null;
  const parts = relative.split('/');
  if (parts.some((p) => p === '..' || p === '' || p === '.')) return null;
  try {
    const realRoot = await realpath(root);
    const real = await realpath(path.join(root, relative));
    if (!real.startsWith(realRoot + path.sep)) return null;
    const stats = await lstat(real);
    return stats.isFile() ? real : null;
  } catch {
    return null;
  }
}
