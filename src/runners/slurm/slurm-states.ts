import type { EngineJob, EngineView } from '../cluster/cluster-engine';
import { EngineToolError } from '../cluster/engine-tool';

const queued = (note: string | null = null): EngineView => ({ phase: 'queued', note });
const running = (note: string | null = null): EngineView => ({ phase: 'running', note });
const ended = (
  state: 'INTERRUPTED' | 'FAILED' | 'ERROR',
  reason: string,
  lost = false,
): EngineView => ({ phase: 'ended', outcome: { state, reason, ...(lost ? { lost } : {}) } });
const scriptEnded = (reason: string): EngineView => ({
  phase: 'ended',
  outcome: { state: 'ERROR', reason, expectsRecord: true },
});

/**
 * Every SLURM job state (squeue %T, sacct State) as Damson sees it. A job that ended normally is
 * judged by its exit record; the outcomes here count only for jobs that left none.
 */
const STATES: Record<string, EngineView> = {
  PENDING: queued(),
  REQUEUED: queued('requeued'),
  REQUEUE_FED: queued('requeued'),
  REQUEUE_HOLD: queued('requeued and held'),
  RESV_DEL_HOLD: queued('held'),
  CONFIGURING: queued('nodes are being configured'),
  RUNNING: running(),
  COMPLETING: running(),
  SIGNALING: running(),
  STAGE_OUT: running(),
  RESIZING: running(),
  SUSPENDED: running('suspended by SLURM'),
  STOPPED: running('stopped by SLURM'),
  COMPLETED: scriptEnded('the job ended without recording the exit status of the tool'),
  FAILED: scriptEnded('the job script failed before the tool ended'),
  // Damson's own cancels are judged before the engine's state: this one came from elsewhere.
  CANCELLED: {
    phase: 'ended',
    outcome: {
      state: 'INTERRUPTED',
      reason: 'cancelled in SLURM outside Damson (scancel)',
      cancelledOutside: true,
    },
  },
  TIMEOUT: ended('INTERRUPTED', 'the SLURM time limit was reached'),
  DEADLINE: ended('INTERRUPTED', 'the SLURM deadline passed'),
  OUT_OF_MEMORY: ended('FAILED', 'out of memory'),
  SPECIAL_EXIT: ended('FAILED', 'SLURM special exit'),
  NODE_FAIL: ended('INTERRUPTED', 'the node running the job failed', true),
  BOOT_FAIL: ended('ERROR', 'the node for the job failed to boot', true),
  PREEMPTED: ended('INTERRUPTED', 'preempted by SLURM', true),
  REVOKED: ended('INTERRUPTED', 'revoked by the SLURM federation', true),
};

/** squeue and sacct may add words ("CANCELLED by 0") and a "+" to long names. */
export function slurmView(raw: string): EngineView {
  const name = raw.trim().split(/\s+/)[0]?.replace(/\+$/, '') ?? '';
  const view = STATES[name];
  return view ? structuredClone(view) : { phase: 'unknown', raw };
}

/** The squeue format the poller asks for; the job name comes last as it may hold anything. */
export const SQUEUE_FORMAT = '%i|%T|%j';

/** Parses `squeue --noheader --format=%i|%T|%j`. Lines for array tasks or steps are skipped. */
export function parseSqueue(stdout: string): Map<string, EngineJob> {
  const jobs = new Map<string, EngineJob>();
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const match = /^(\S+)\|([A-Z_+]+(?: by \d+)?)\|(.*)$/.exec(line.trim());
    if (!match) throw new EngineToolError('squeue', 'garbage', `unexpected line '${line}'`);
    const [, id, state, name] = match;
    if (!/^\d+$/.test(id)) continue;
    jobs.set(id, { id, name, raw: state, view: slurmView(state) });
  }
  return jobs;
}

/** Parses `sacct --completion -P -n -o JobID,State,ExitCode` (job completion log). */
export function parseSacct(stdout: string): Map<string, EngineView> {
  const views = new Map<string, EngineView>();
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const fields = line.trim().split('|');
    if (fields.length < 3)
      throw new EngineToolError('sacct', 'garbage', `unexpected line '${line}'`);
    const [id, state, exitCode] = fields;
    if (!/^\d+$/.test(id)) continue;
    const view = slurmView(state);
    if (view.phase === 'ended' && exitCode) {
      // ExitCode is "status:signal"; a status counts only when no signal ended the script.
      const [status, signal] = exitCode.split(':').map(Number);
      view.outcome = {
        ...view.outcome,
        reason: `${view.outcome.reason} (ExitCode ${exitCode})`,
        ...(view.outcome.expectsRecord && signal === 0 && Number.isInteger(status)
          ? { exitCode: status }
          : {}),
      };
    }
    views.set(id, view);
  }
  return views;
}

/** `sbatch --parsable` prints `id` or `id;cluster`. */
export function parseSbatch(stdout: string): string {
  const match = /^(\d+)(;\S+)?$/.exec(stdout.trim());
  if (!match)
    throw new EngineToolError('sbatch', 'garbage', `unexpected answer '${stdout.trim()}'`);
  return match[1];
}
