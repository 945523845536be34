import { lstat, opendir } from 'node:fs/promises';
import path from 'node:path';

/** Beyond these a job directory is not walked further, and the job is over its output limits. */
export const MAX_JOB_ENTRIES = 20_000;
export const MAX_JOB_DEPTH = 32;

export type JobDirectoryUsage =
  | { kind: 'within'; bytes: number }
  | { kind: 'over-quota'; bytes: number }
  | { kind: 'too-many-entries' }
  | { kind: 'too-deep' };

/**
 * Adds up the sizes of the files a job wrote under its directory, stopping as soon as the total
 * passes `quotaBytes` or the walk passes its entry or depth limits: a hostile tool decides what is
 * in there, so the walk is bounded however the tree looks. Symlinks are not followed and do not
 * count (inputs are linked in); `skipNames` are top-level entries that are not the job's output
 * (inputs that had to be hard-linked or copied). A file with several links counts once.
 */
export async function measureJobDirectory(
  root: string,
  quotaBytes: number,
  skipNames: ReadonlySet<string>,
): Promise<JobDirectoryUsage> {
  let bytes = 0;
  let entries = 0;
  const seen = new Set<string>();
  const pending: { dir: string; depth: number }[] = [{ dir: root, depth: 0 }];
  while (pending.length) {
    const { dir, depth } = pending.pop()!;
    let handle;
    try {
      handle = await opendir(dir);
    } catch {
      continue; // removed meanwhile, or not readable: nothing the job can use to hide output
    }
    // Leaving the loop early (a return) closes the directory handle.
    for await (const entry of handle) {
      if (depth === 0 && skipNames.has(entry.name)) continue;
      if (++entries > MAX_JOB_ENTRIES) {
        return { kind: 'too-many-entries' };
      }
      const at = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth + 1 > MAX_JOB_DEPTH) {
          return { kind: 'too-deep' };
        }
        pending.push({ dir: at, depth: depth + 1 });
        continue;
      }
      if (!entry.isFile()) continue;
      try {
        const stat = await lstat(at);
        if (stat.nlink > 1) {
          const id = `${stat.dev}:${stat.ino}`;
          if (seen.has(id)) continue;
          seen.add(id);
        }
        bytes += stat.size;
      } catch {
        continue;
      }
      if (bytes > quotaBytes) {
        return { kind: 'over-quota', bytes };
      }
    }
  }
  return { kind: 'within', bytes };
}
