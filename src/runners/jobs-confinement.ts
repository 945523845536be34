import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';

/**
 * Why `cwd` is not a job directory under `jobsRoot` (a realpath), or null when it is. The path is
 * resolved through every symlink of its existing part, so neither `..` nor a link leads out; the
 * part that does not exist yet (the agent creates it) may hold no `..` either.
 */
export function outsideJobsDirectory(cwd: string, jobsRoot: string): string | null {
  const refusal = 'the job directory is not inside directory.jobs of this agent';
  // Normal form only: the kernel would resolve a `..` after a symlink, not lexically.
  if (!path.isAbsolute(cwd) || cwd.includes('\0') || path.resolve(cwd) !== cwd) return refusal;
  let existing = cwd;
  const missing: string[] = [];
  for (;;) {
    try {
      existing = realpathSync(existing);
      break;
    } catch (error) {
      // A dangling symlink is ENOENT too, and the agent must not create its target. Under a
      // regular file (ENOTDIR) nothing can be created: judged by where it is, the executor's
      // mkdir then fails and says so.
      const code = (error as NodeJS.ErrnoException).code;
      const dangling = code === 'ENOENT' && lstatSync(existing, { throwIfNoEntry: false });
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dangling) return refusal;
      const parent = path.dirname(existing);
      if (parent === existing) return refusal;
      missing.unshift(path.basename(existing));
      existing = parent;
    }
  }
  const resolved = path.join(existing, ...missing);
  const relative = path.relative(jobsRoot, resolved);
  if (!relative || relative === '..' || relative.startsWith(`..${path.sep}`)) return refusal;
  if (path.isAbsolute(relative)) return refusal;
  return null;
}
