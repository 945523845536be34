import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { PRIVATE_FILE_MODE } from '../lifecycle/private-paths';

import { AttemptTable, type AttemptKey } from './attempt-table';

export type { AttemptKey };

/**
 * How one kind of agent reads its journal: an entry from a `start` line, and changes from an
 * `update` line. Each answers null for a line it cannot trust (the file is the agent's own, but a
 * crash can leave any prefix of a line, and an older release may have written other fields).
 */
export interface JournalFormat<Entry extends AttemptKey> {
  entry(line: Record<string, unknown>): Entry | null;
  changes(line: Record<string, unknown>): Partial<Entry> | null;
  /** Lines written by an earlier release under other names, as `start` or `update` lines. */
  legacy?(line: Record<string, unknown>): Record<string, unknown> | null;
}

function attemptOf(line: Record<string, unknown>): AttemptKey | null {
  const { jobId, fencingToken } = line;
  if (typeof jobId !== 'string' || !Number.isSafeInteger(fencingToken)) return null;
  return { jobId, fencingToken: fencingToken as number };
}

function parseLine(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null; // an empty line, or the last line cut short by a crash
  }
}

/**
 * An agent's memory across restarts: one line per attempt started, per change to it, and per
 * attempt whose end the scheduler recorded. Appends go to an open descriptor (no metadata
 * operation per job); each time an agent opens it the file is compacted to the attempts still
 * outstanding, written whole to a new file and renamed over the old.
 */
export class AttemptJournal<Entry extends AttemptKey> {
  private fd: number;

  private constructor(
    readonly path: string,
    readonly outstanding: Entry[],
  ) {
    this.fd = openSync(path, 'a', PRIVATE_FILE_MODE);
  }

  static open<Entry extends AttemptKey>(
    file: string,
    format: JournalFormat<Entry>,
  ): AttemptJournal<Entry> {
    mkdirSync(path.dirname(file), { recursive: true });
    const live = new AttemptTable<Entry>();
    if (existsSync(file)) {
      for (const text of readFileSync(file, 'utf8').split('\n')) {
        const parsed = parseLine(text);
        const line = parsed && (format.legacy?.(parsed) ?? parsed);
        const attempt = line && attemptOf(line);
        if (!line || !attempt) continue;
        if (line.op === 'start') {
          const entry = format.entry(line);
          if (entry) live.set(entry);
        } else if (line.op === 'end') {
          live.delete(attempt);
        } else if (line.op === 'update') {
          const entry = live.get(attempt);
          const changes = entry && format.changes(line);
          if (entry && changes) live.set({ ...entry, ...changes });
        }
      }
    }
    const entries = [...live.values()];
    const compacted = `${file}.tmp`;
    const fd = openSync(compacted, 'w', PRIVATE_FILE_MODE);
    for (const entry of entries) writeSync(fd, `${JSON.stringify({ op: 'start', ...entry })}\n`);
    closeSync(fd);
    renameSync(compacted, file);
    return new AttemptJournal(file, entries);
  }

  started(entry: Entry): void {
    this.append({ op: 'start', ...(entry as AttemptKey & Record<string, unknown>) });
  }

  updated(attempt: AttemptKey, changes: Partial<Omit<Entry, keyof AttemptKey>>): void {
    this.append({
      op: 'update',
      ...changes,
      jobId: attempt.jobId,
      fencingToken: attempt.fencingToken,
    });
  }

  ended(attempt: AttemptKey): void {
    this.append({ op: 'end', jobId: attempt.jobId, fencingToken: attempt.fencingToken });
  }

  private append(line: Record<string, unknown>): void {
    // After close (agent shutdown) a late record is dropped: on restart the attempt is found
    // again from what outlives the agent (its exit file, the engine).
    if (this.fd < 0) return;
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
