import { chmod, copyFile, link, mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { PRIVATE_DIRECTORY_MODE } from '../lifecycle/private-paths';

/**
 * Creates the job directory and links each input under its configured name, falling back to a hard
 * link and then a copy (as slivka does) when the filesystem refuses symlinks.
 */
export async function prepareJobDirectory(
  cwd: string,
  links: { name: string; target: string }[],
): Promise<void> {
  // Private like every directory Damson makes: inputs and outputs are the submitter's.
  if (await mkdir(cwd, { recursive: true, mode: PRIVATE_DIRECTORY_MODE }))
    await chmod(cwd, PRIVATE_DIRECTORY_MODE);
  for (const { name, target } of links) {
    const at = path.join(cwd, name);
    if (path.dirname(at) !== cwd) throw new Error(`link name '${name}' leaves the job directory`);
    try {
      await symlink(target, at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      try {
        await link(target, at);
      } catch {
        await copyFile(target, at);
      }
    }
  }
}
