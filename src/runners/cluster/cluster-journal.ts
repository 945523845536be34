import { AttemptJournal, type AttemptKey, type JournalFormat } from '../attempt-journal';

export interface ClusterJournalEntry extends AttemptKey {
  cwd: string;
  /** The engine job name: finds a submission whose answer was lost. */
  name: string;
  /** Null from just before the submission until the engine answers with an id. */
  engineId: string | null;
  cancelRequested: boolean;
  /** The job's time limit: the agent cancels it this long after the tool started. */
  timeoutMs: number | null;
}

/**
 * A cluster agent's journal: the attempts it submitted (written before the submit call, so a crash
 * during it is found again by name), their engine ids and the cancels asked for.
 */
export type ClusterJournal = AttemptJournal<ClusterJournalEntry>;

const CLUSTER_FORMAT: JournalFormat<ClusterJournalEntry> = {
  entry(line) {
    const { jobId, fencingToken, cwd, name, engineId, cancelRequested, timeoutMs } = line;
    if (typeof cwd !== 'string' || typeof name !== 'string') return null;
    if (engineId !== null && typeof engineId !== 'string') return null;
    return {
      jobId: jobId as string,
      fencingToken: fencingToken as number,
      cwd,
      name,
      engineId,
      cancelRequested: cancelRequested === true,
      timeoutMs: typeof timeoutMs === 'number' ? timeoutMs : null,
    };
  },
  changes(line) {
    const changes: Partial<ClusterJournalEntry> = {};
    if (typeof line.engineId === 'string') changes.engineId = line.engineId;
    if (line.cancelRequested === true) changes.cancelRequested = true;
    return Object.keys(changes).length > 0 ? changes : null;
  },
  // Journals written before the shared format named their lines after the cluster's steps.
  legacy(line) {
    if (line.op === 'submit') return { ...line, op: 'start' };
    if (line.op === 'engine-id') return { ...line, op: 'update' };
    if (line.op === 'cancel') return { ...line, op: 'update', cancelRequested: true };
    return null;
  },
};

export function openClusterJournal(file: string): ClusterJournal {
  return AttemptJournal.open(file, CLUSTER_FORMAT);
}

/** The part of a held attempt that is written down (not the agent's working state). */
export function journalEntryOf(job: ClusterJournalEntry): ClusterJournalEntry {
  const { jobId, fencingToken, cwd, name, engineId, cancelRequested, timeoutMs } = job;
  return { jobId, fencingToken, cwd, name, engineId, cancelRequested, timeoutMs };
}
