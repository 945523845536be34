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

export interface JournalEntry {
  jobId: string;
  fencingToken: number;
  cwd: string;
  pid: number;
  startedAt: number;
  timeoutMs: number | null;
  /** Inputs linked into the job directory: not the job's output (absent in older journals). */
  inputNames?: string[];
}

type Line = ({ op: 'start' } & JournalEntry) | { op: 'end'; jobId: string; fencingToken: number };

const key = (jobId: string, fencingToken: number): string => `${jobId}/${fencingToken}`;

/**
 * The local agent's memory across restarts: one line per job started and per job whose end was
 * reported. Appends go to an open descriptor (no metadata operation per job); the file is compacted
 * to the jobs still outstanding each time an agent opens it.
 */
export class JobJournal {
  private fd: number;

  private constructor(
    private readonly file: string,
    readonly outstanding: JournalEntry[],
  ) {
    this.fd = openSync(file, 'a', PRIVATE_FILE_MODE);
  }

  static open(file: string): JobJournal {
    mkdirSync(path.dirname(file), { recursive: true });
    const live = new Map<string, JournalEntry>();
    if (existsSync(file)) {
      for (const text of readFileSync(file, 'utf8').split('\n')) {
        let line: Line;
        try {
          line = JSON.parse(text) as Line;
        } catch {
          continue; // an empty line, or the last line cut short by a crash
        }
        if (line.op === 'start') {
          const { jobId, fencingToken, cwd, pid, startedAt, timeoutMs, inputNames } = line;
          live.set(key(jobId, fencingToken), {
            jobId,
            fencingToken,
            cwd,
            pid,
            startedAt,
            timeoutMs,
            ...(Array.isArray(inputNames) ? { inputNames } : {}),
          });
        } else live.delete(key(line.jobId, line.fencingToken));
      }
    }
    const entries = [...live.values()];
    const compacted = `${file}.tmp`;
    const fd = openSync(compacted, 'w', PRIVATE_FILE_MODE);
    for (const entry of entries) writeSync(fd, `${JSON.stringify({ op: 'start', ...entry })}\n`);
    closeSync(fd);
    renameSync(compacted, file);
    return new JobJournal(file, entries);
  }

  started(entry: JournalEntry): void {
    this.append({ op: 'start', ...entry });
  }

  ended(jobId: string, fencingToken: number): void {
    this.append({ op: 'end', jobId, fencingToken });
  }

  private append(line: Line): void {
    // After close (agent shutdown) a late record is dropped: on restart the job's exit file settles it.
    if (this.fd < 0) return;
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  get path(): string {
    return this.file;
  }
}
