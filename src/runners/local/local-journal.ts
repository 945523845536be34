import { AttemptJournal, type AttemptKey, type JournalFormat } from '../attempt-journal';

export interface LocalJournalEntry extends AttemptKey {
  cwd: string;
  pid: number;
  startedAt: number;
  timeoutMs: number | null;
  /** Inputs linked into the job directory: not the job's output (absent in older journals). */
  inputNames?: string[];
}

/** The local agent's journal: the jobs it started (their process group), across its restarts. */
export type LocalJournal = AttemptJournal<LocalJournalEntry>;

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

const LOCAL_FORMAT: JournalFormat<LocalJournalEntry> = {
  entry(line) {
    const { jobId, fencingToken, cwd, pid, startedAt, timeoutMs, inputNames } = line;
    if (typeof cwd !== 'string' || !Number.isSafeInteger(pid) || (pid as number) <= 0) return null;
    if (typeof startedAt !== 'number') return null;
    if (timeoutMs !== null && typeof timeoutMs !== 'number') return null;
    return {
      jobId: jobId as string,
      fencingToken: fencingToken as number,
      cwd,
      pid: pid as number,
      startedAt,
      timeoutMs,
      ...(isStringList(inputNames) ? { inputNames } : {}),
    };
  },
  // A local attempt does not change once started: its end is the only other line.
  changes: () => null,
};

export function openLocalJournal(file: string): LocalJournal {
  return AttemptJournal.open(file, LOCAL_FORMAT);
}
