import {
  appendFileSync,
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  statSync,
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

const KEEP_ENTRIES = 200;
/** Only the newest bytes are read. */
const MAX_READ_BYTES = 256 * 1024;
/** Past this size the file is trimmed back to the newest KEEP_ENTRIES. */
const TRIM_BYTES = 64 * 1024;

/** `$XDG_STATE_HOME/damson/job-history.jsonl`, else `~/.local/state/damson/job-history.jsonl`. */
export function historyFile(env: NodeJS.ProcessEnv): string {
  const root =
    env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME)
      ? env.XDG_STATE_HOME
      : path.join(os.homedir(), '.local', 'state');
  return path.join(root, 'damson', 'job-history.jsonl');
}

const isEntry = (e: unknown): e is HistoryEntry =>
  typeof e === 'object' &&
  e !== null &&
  typeof (e as HistoryEntry).id === 'string' &&
  JOB_ID.test((e as HistoryEntry).id) &&
  typeof (e as HistoryEntry).server === 'string' &&
  typeof (e as HistoryEntry).service === 'string' &&
  typeof (e as HistoryEntry).submittedAt === 'string';

/** The entries in the newest MAX_READ_BYTES of the file, oldest first; damaged lines are skipped. */
function readEntries(file: string): { entries: HistoryEntry[] } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { entries: [] };
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, MAX_READ_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    if (length < size) lines.shift(); // a line cut in two by the window
    const entries: HistoryEntry[] = [];
    for (const line of lines) {
      try {
        const value: unknown = JSON.parse(line);
        if (isEntry(value)) entries.push(value);
      } catch {
        // a damaged line only loses that entry
      }
    }
    return { entries };
  } finally {
    closeSync(fd);
  }
}

/**
 * The jobs this machine submitted, newest last: a JSON Lines file only its owner can read. Each
 * submission appends one line (one small O_APPEND write), so submissions running in parallel
 * never lose each other's entries.
 */
export class JobHistory {
  constructor(private readonly file: string) {}

  entries(server?: string): HistoryEntry[] {
    const all = readEntries(this.file).entries;
    return server === undefined ? all : all.filter((e) => e.server === server);
  }

  add(entry: HistoryEntry): void {
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    appendFileSync(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    if (statSync(this.file).size <= TRIM_BYTES) return;
    // Rare; a line appended by another process during the trim may be lost.
    const kept = readEntries(this.file)
      .entries.slice(-KEEP_ENTRIES)
      .map((e) => JSON.stringify(e));
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${kept.join('\n')}\n`, { mode: 0o600 });
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
