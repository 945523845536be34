import { constants } from 'node:fs';
import { chmod, copyFile, link, mkdir, open, symlink } from 'node:fs/promises';
import path from 'node:path';
import { COMMAND_RECORD_FILE, commandRecord } from '../jobs';
import { PRIVATE_DIRECTORY_MODE } from '../lifecycle/private-paths';

/**
 * Creates the job directory and links each input under its configured name, falling back to a hard
 * link and then a copy (as slivka does) when the filesystem refuses symlinks.
 */
export async function prepareJobDirectory(
  cwd: string,
  links: { name: string; target: string }[],
  /** What the job runs with; its argv and environment names are recorded in the directory. */
  command?: { argv: readonly string[]; env: Readonly<Record<string, string>> },
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
  if (command) {
    const record = commandRecord(command.argv, command.env);
    // The directory is the tool's too (a retry finds what the last attempt left): never follow
    // a link planted in place of the record.
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
    const file = await open(path.join(cwd, COMMAND_RECORD_FILE), flags, 0o600);
    try {
      await file.writeFile(`${JSON.stringify(record)}\n`);
    } finally {
      await file.close();
    }
  }
}
