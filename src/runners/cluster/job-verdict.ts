import { stateForExit } from '../exit-status';
import type { EngineJob, EngineOutcome, EngineView } from './cluster-engine';
import type { JobRecords } from './job-records';

export interface VerdictInput {
  /** What the engine lists for the job now; undefined when it does not list it. */
  listed: EngineJob | undefined;
  /** What accounting says about a job the engine no longer lists (when asked). */
  postMortem: EngineView | undefined;
  /** Read after the engine answered, so an exit written before the job left is always seen. */
  records: JobRecords;
  cancelRequested: boolean;
  /** Why Damson cancelled it ('cancelled', or a time-out). */
  cancelReason: string;
  /** How long the engine has shown the job ended, or not listed it, without an exit record. */
  endedForMs: number;
  vanishedForMs: number;
  recordGraceMs: number;
  vanishGraceMs: number;
}

export type Verdict =
  | { kind: 'active'; state: 'QUEUED' | 'RUNNING'; note: string | null }
  /** Ended in the engine, no exit record yet: wait a little for the record. */
  | { kind: 'waiting' }
  | { kind: 'end'; outcome: EngineOutcome; exitCode: number | null }
  /** The engine will not run it: delete it there, then end. */
  | { kind: 'delete'; outcome: EngineOutcome };

function cancelled(started: boolean, reason: string): EngineOutcome {
  return started
    ? { state: 'INTERRUPTED', reason }
    : { state: 'DELETED', reason: `${reason} before it started` };
}

/**
 * Decides what one poll means for one job. The job's exit record is the final word; then a
 * cancellation Damson asked for; then the engine's state; a job the engine has forgotten without
 * an exit record ends INTERRUPTED once a grace period has passed (shared filesystems lag).
 */
export function jobVerdict(input: VerdictInput): Verdict {
  const { records, listed } = input;
  // A cancel from outside Damson (scancel, qdel) signals the job, and its script may still record
  // the signal's exit status before it dies: that record is the cancel, not the tool's own end.
  const outside = [listed?.view, input.postMortem].find(
    (view) => view?.phase === 'ended' && view.outcome.cancelledOutside === true,
  );
  if (outside?.phase === 'ended' && records.exitCode !== null && records.exitCode > 128) {
    if (!input.cancelRequested) return { kind: 'end', outcome: outside.outcome, exitCode: null };
  }
  if (records.exitCode !== null) {
    const exit = stateForExit(records.exitCode, null);
    const outcome: EngineOutcome =
      input.cancelRequested && exit.state !== 'COMPLETED'
        ? {
            state: 'INTERRUPTED',
            reason: `${input.cancelReason} (${exit.reason ?? 'exit status'})`,
          }
        : { state: exit.state, reason: exit.reason ?? 'exit status 0' };
    return { kind: 'end', outcome, exitCode: records.exitCode };
  }
  if (input.cancelRequested && (!listed || listed.view.phase === 'ended')) {
    return {
      kind: 'end',
      outcome: cancelled(records.started, input.cancelReason),
      exitCode: null,
    };
  }
  if (!listed) {
    const after = input.postMortem;
    if (after?.phase === 'ended')
      return endedWithoutRecord(after.outcome, input.vanishedForMs, input);
    if (input.vanishedForMs >= input.vanishGraceMs) {
      return {
        kind: 'end',
        outcome: {
          state: 'INTERRUPTED',
          reason: 'the engine no longer knows the job and it left no exit record',
          lost: true,
        },
        exitCode: null,
      };
    }
    return { kind: 'waiting' };
  }
  const view = listed.view;
  switch (view.phase) {
    case 'queued':
      return { kind: 'active', state: records.started ? 'RUNNING' : 'QUEUED', note: view.note };
    case 'running':
      return { kind: 'active', state: 'RUNNING', note: view.note };
    case 'unknown':
      return {
        kind: 'active',
        state: records.started ? 'RUNNING' : 'QUEUED',
        note: `engine state ${view.raw}`,
      };
    case 'stuck':
      return { kind: 'delete', outcome: view.outcome };
    case 'ended':
      return endedWithoutRecord(view.outcome, input.endedForMs, input);
  }
}

/** Long enough for a record written just before a kill to show, short enough not to be noticed. */
const KILLED_GRACE_MS = 3000;

/**
 * The engine says the job ended and there is no exit record (yet). A job that was killed leaves
 * none: its outcome counts after a short wait. A script that ran to its end did write one, which
 * a shared filesystem may show late: wait `recordGraceMs`, then take the exit status from the
 * engine's accounting where it has one.
 */
function endedWithoutRecord(outcome: EngineOutcome, forMs: number, input: VerdictInput): Verdict {
  const grace = outcome.expectsRecord
    ? input.recordGraceMs
    : Math.min(input.recordGraceMs, KILLED_GRACE_MS);
  if (forMs < grace) return { kind: 'waiting' };
  const accounted =
    input.postMortem?.phase === 'ended' ? input.postMortem.outcome.exitCode : outcome.exitCode;
  if (outcome.expectsRecord && accounted !== undefined) {
    const exit = stateForExit(accounted, null);
    return {
      kind: 'end',
      outcome: {
        state: exit.state,
        reason: `${exit.reason ?? 'exit status 0'} by the engine's accounting (the job's exit record is missing)`,
      },
      exitCode: accounted,
    };
  }
  return { kind: 'end', outcome, exitCode: null };
}

/** Whether a started tool has run past its time limit (by its start record) without ending. */
export function pastTimeLimit(timeoutMs: number | null, records: JobRecords, now: number): boolean {
  return (
    timeoutMs !== null &&
    records.startedAtMs !== null &&
    records.exitCode === null &&
    now - records.startedAtMs >= timeoutMs
  );
}
