import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JOB_ID } from './api-client';
import { usageError } from './exit-codes';

export interface HistoryEntry {
  id: string;
  /** The server's base URL, so `last` never names a job of another server. */
  server: string;
  service: string;
  submittedAt: string;
}

const MAX_ENTRIES = 200;
const MAX_FILE_BYTES = 256 * 1024;

/** `$XDG_STATE_HOME/damson/job-history.json`, else `~/.local/state/damson/job-history.json`. */
export function historyFile(env: NodeJS.ProcessEnv): string {
  const root =
    env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME)
      ? env.XDG_STATE_HOME
      : path.join(os.homedir(), '.local', 'state');
  return path.join(root, 'damson', 'job-history.json');
}

function readEntries(file: string): HistoryEntry[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = Math.min(fstatSync(fd).size, MAX_FILE_BYTES);
    const buffer = Buffer.alloc(size);
    readSync(fd, buffer, 0, size, 0);
    const parsed: unknown = JSON.parse(buffer.toString('utf8'));
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (e): e is HistoryEntry =>
        typeof e === 'object' &&
        e !== null &&
        typeof e.id === 'string' &&
        JOB_ID.test(e.id) &&
        typeof e.server === 'string' &&
        typeof e.service === 'string' &&
        typeof e.submittedAt === 'string',
    );
  } catch {
    // A damaged history only loses `last`; it never stops a command.
    return [];
  } finally {
    closeSync(fd);
  }
}

/** The jobs this machine submitted, newest last; a small file only its owner can read. */
export class JobHistory {
  constructor(private readonly file: string) {}

  entries(server?: string): HistoryEntry[] {
    const all = readEntries(this.file);
    return server === undefined ? all : all.filter((e) => e.server === server);
  }

  add(entry: HistoryEntry): void {
    const entries = [...readEntries(this.file), entry].slice(-MAX_ENTRIES);
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(entries, null, 1), { mode: 0o600 });
    renameSync(temporary, this.file);
  }

  /** `last` (this server's newest job) or an id as given. */
  resolve(id: string | undefined, server: string): string {
    if (id !== undefined && id !== 'last') return id;
    const newest = this.entries(server).at(-1);
    if (!newest)
      throw usageError(`no job id given, and no job submitted to ${server} from here yet`);
    return newest.id;
  }
}
