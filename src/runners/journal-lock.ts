import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One agent per name: the name keys its journal, and two agents sharing a journal would each
 * adopt, and finish, the other's jobs. Takes `<journal>.lock` (host and pid) or throws a message
 * that names the holder. A lock left by a dead process on this host is taken over; one from
 * another host (a journal on a shared filesystem) cannot be checked and must be removed by hand.
 * Returns the release function.
 */
export function lockJournal(journalFile: string, agentName: string): () => void {
  const lockFile = `${journalFile}.lock`;
  const me = `${hostname()}\n${process.pid}\n`;
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      writeSync(fd, me);
      closeSync(fd);
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        process.off('exit', release);
        rmSync(lockFile, { force: true });
      };
      process.on('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder: string[];
    try {
      holder = readFileSync(lockFile, 'utf8').split('\n');
    } catch {
      continue; // released meanwhile
    }
    const [host, pidText] = holder;
    const pid = Number(pidText);
    const stale =
      host === hostname() && Number.isInteger(pid) && (pid === process.pid || !isAlive(pid));
    if (!stale) {
      throw new Error(
        `another agent named '${agentName}' is running (pid ${pidText ?? '?'} on ${host ?? '?'}); ` +
          'give each agent its own --name: two agents under one name would share a journal' +
          (host === hostname() ? '' : ` (if that agent is gone, remove ${lockFile})`),
      );
    }
    rmSync(lockFile, { force: true });
  }
  throw new Error(`cannot lock the journal of agent '${agentName}'`);
}
