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
import { PRIVATE_FILE_MODE } from '../../lifecycle/private-paths';

export interface ClusterJournalEntry {
  jobId: string;
  fencingToken: number;
  cwd: string;
  /** The engine job name: finds a submission whose answer was lost. */
  name: string;
  /** Null from just before the submission until the engine answers with an id. */
  engineId: string | null;
  cancelRequested: boolean;
  /** The job's time limit: the agent cancels it this long after the tool started. */
  timeoutMs: number | null;
}

type Line =
  | ({ op: 'submit' } & ClusterJournalEntry)
  | { op: 'engine-id'; jobId: string; fencingToken: number; engineId: string }
  | { op: 'cancel'; jobId: string; fencingToken: number }
  | { op: 'end'; jobId: string; fencingToken: number };

const key = (jobId: string, fencingToken: number): string => `${jobId}/${fencingToken}`;

/**
 * A cluster agent's memory across restarts: which attempts it submitted (written before the submit
 * call, so a crash during it is found again by name), their engine ids, cancellations asked for,
 * and which ends the scheduler has recorded. Compacted to the outstanding attempts on open.
 */
export class ClusterJournal {
  private fd: number;

  private constructor(
    readonly outstanding: ClusterJournalEntry[],
    file: string,
  ) {
    this.fd = openSync(file, 'a', PRIVATE_FILE_MODE);
  }

  static open(file: string): ClusterJournal {
    mkdirSync(path.dirname(file), { recursive: true });
    const live = new Map<string, ClusterJournalEntry>();
    if (existsSync(file)) {
      for (const text of readFileSync(file, 'utf8').split('\n')) {
        let line: Line;
        try {
          line = JSON.parse(text) as Line;
        } catch {
          continue; // an empty line, or the last line cut short by a crash
        }
        const k = key(line.jobId, line.fencingToken);
        if (line.op === 'submit') {
          live.set(k, {
            jobId: line.jobId,
            fencingToken: line.fencingToken,
            cwd: line.cwd,
            name: line.name,
            engineId: line.engineId,
            cancelRequested: line.cancelRequested,
            timeoutMs: line.timeoutMs ?? null,
          });
        } else if (line.op === 'end') live.delete(k);
        else {
          const entry = live.get(k);
          if (entry && line.op === 'engine-id') entry.engineId = line.engineId;
          if (entry && line.op === 'cancel') entry.cancelRequested = true;
        }
      }
    }
    const entries = [...live.values()];
    const compacted = `${file}.tmp`;
    const fd = openSync(compacted, 'w', PRIVATE_FILE_MODE);
    for (const entry of entries) writeSync(fd, `${JSON.stringify({ op: 'submit', ...entry })}\n`);
    closeSync(fd);
    renameSync(compacted, file);
    return new ClusterJournal(entries, file);
  }

  submitting(entry: ClusterJournalEntry): void {
    this.append({ op: 'submit', ...entry });
  }

  submitted(jobId: string, fencingToken: number, engineId: string): void {
    this.append({ op: 'engine-id', jobId, fencingToken, engineId });
  }

  cancelling(jobId: string, fencingToken: number): void {
    this.append({ op: 'cancel', jobId, fencingToken });
  }

  ended(jobId: string, fencingToken: number): void {
    this.append({ op: 'end', jobId, fencingToken });
  }

  private append(line: Line): void {
    if (this.fd >= 0) writeSync(this.fd, `${JSON.stringify(line)}\n`);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
