import type { JobState } from '../../jobs';
import type { Logger } from '../../lifecycle/logger';
import type { AttemptTable } from '../attempt-table';
import type { ClusterEngine } from './cluster-engine';
import type { ClusterJournal, ClusterJournalEntry } from './cluster-journal';
import { parseEngineJobName } from './job-script';
import type { ToolHealth } from './tool-health';

/** An attempt a cluster agent holds: its journal entry and what the agent saw of it since. */
export interface ClusterJob extends ClusterJournalEntry {
  submitting: Promise<void> | null;
  /** Queued or running in the engine at some poll of this agent process (not only before it). */
  seenActive: boolean;
  lastState: JobState | null;
  ended: boolean;
  cancelSent: boolean;
  cancelReason: string;
  endedSince: number | null;
  vanishedSince: number | null;
}

/** A journal entry taken up by the agent, not yet seen in any state (null) or last seen so. */
export function heldJob(entry: ClusterJournalEntry, lastState: JobState | null): ClusterJob {
  return {
    ...entry,
    submitting: null,
    seenActive: false,
    lastState,
    ended: false,
    cancelSent: false,
    cancelReason: 'cancelled',
    endedSince: null,
    vanishedSince: null,
  };
}

/** What the agent holds that a new attempt's submission looks at. */
export interface HeldAttempts {
  engine: ClusterEngine;
  held: AttemptTable<ClusterJob>;
  journal: ClusterJournal | null;
  health: ToolHealth;
  log: Logger;
}

/**
 * Exactly one attempt of a job may reach the engine: a newer attempt means the scheduler wrote
 * the older ones off, so any still queued or running there (this agent's, or one submitted
 * before a restart or by another agent of this cluster user) is cancelled before the new one is
 * submitted, and cannot overwrite its outputs. Found by the attempts' unique names; the first
 * attempt has nothing older and costs no engine call.
 */
export async function stopOlderAttempts(
  { engine, held, journal, health, log }: HeldAttempts,
  job: ClusterJob,
): Promise<void> {
  if (job.fencingToken <= 1) return;
  const reason = `superseded by attempt ${job.fencingToken}`;
  for (const other of held.values()) {
    if (other.jobId !== job.jobId || other.fencingToken >= job.fencingToken || other.ended)
      continue;
    if (!other.cancelRequested) journal?.updated(other, { cancelRequested: true });
    other.cancelRequested = true;
    other.cancelReason = reason;
  }
  const listing = await engine.list();
  health.succeeded();
  const older = [...listing.values()].filter((entry) => {
    const attempt = parseEngineJobName(entry.name);
    return (
      attempt !== null &&
      attempt.jobId === job.jobId &&
      attempt.fencingToken < job.fencingToken &&
      entry.view.phase !== 'ended'
    );
  });
  if (older.length === 0) return;
  log.warn(
    { jobId: job.jobId, attempt: job.fencingToken, cancelled: older.map((e) => e.id) },
    'cancelling older attempts still in the engine before submitting',
  );
  await engine.cancel(older.map((e) => e.id));
  for (const other of held.values())
    if (older.some((e) => e.id === other.engineId)) other.cancelSent = true;
}
