import type { EngineJob, EngineView } from '../cluster/cluster-engine';
import { EngineToolError } from '../cluster/engine-tool';

/**
 * A Grid Engine state is a string of letters (qw, hqw, r, t, Rr, s, dr, Eqw, ...). Each letter
 * adds a fact; the most telling one decides. Nothing is a dead end: error states are deleted and
 * reported, deletion in progress waits for the job to leave, unknown letters keep being polled.
 */
export function gridEngineView(letters: string): EngineView {
  const has = (c: string): boolean => letters.includes(c);
  if (has('E')) {
    return {
      phase: 'stuck',
      outcome: {
        state: 'ERROR',
        reason: `Grid Engine put the job in error state (${letters}); see qstat -j or the engine log`,
      },
    };
  }
  const suspended = has('s') || has('S') || has('T');
  if (has('r') || has('t')) {
    return { phase: 'running', note: suspended ? 'suspended by Grid Engine' : null };
  }
  if (suspended) return { phase: 'running', note: 'suspended by Grid Engine' };
  if (has('q') || has('w') || has('h')) {
    return { phase: 'queued', note: has('h') ? 'held' : null };
  }
  if (has('d')) return { phase: 'running', note: 'being deleted' };
  if (has('z')) {
    return {
      phase: 'ended',
      outcome: {
        state: 'ERROR',
        reason: 'the job ended without recording the exit status',
        expectsRecord: true,
      },
    };
  }
  return { phase: 'unknown', raw: letters };
}

const unescapeXml = (text: string): string =>
  text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&');

function element(block: string, name: string): string | null {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(block);
  return match ? unescapeXml(match[1]) : null;
}

/** Parses `qstat -xml`: every job_list element, running (queue_info) and pending (job_info). */
export function parseQstatXml(stdout: string): Map<string, EngineJob> {
  if (!/<job_info[\s>]/.test(stdout)) {
    throw new EngineToolError('qstat', 'garbage', 'the answer is not qstat XML');
  }
  const jobs = new Map<string, EngineJob>();
  for (const match of stdout.matchAll(/<job_list[^>]*>([\s\S]*?)<\/job_list>/g)) {
    const id = element(match[1], 'JB_job_number');
    const state = element(match[1], 'state');
    if (!id || !/^\d+$/.test(id) || state === null) {
      throw new EngineToolError('qstat', 'garbage', 'a job without a number or a state');
    }
    // An array job lists one element per task; Damson never submits arrays.
    if (jobs.has(id)) continue;
    const name = element(match[1], 'JB_name') ?? '';
    jobs.set(id, { id, name, raw: state, view: gridEngineView(state) });
  }
  return jobs;
}

/**
 * Parses `qacct -j ID`: `failed` (non-zero when Grid Engine ended the job: 100 after a qdel or a
 * limit) and `exit_status` (the script's). The last record counts (ids repeat after a reset).
 */
export function parseQacct(stdout: string): EngineView | null {
  const blocks = stdout.split(/^={10,}\s*$/m).filter((b) => /^exit_status\s/m.test(b));
  const block = blocks.at(-1);
  if (!block) return null;
  const failed = /^failed\s+(\d+)\s*(?::\s*(.*))?$/m.exec(block);
  const exit = /^exit_status\s+(\d+)/m.exec(block);
  if (!failed || !exit) throw new EngineToolError('qacct', 'garbage', 'no failed/exit_status');
  const failedCode = Number(failed[1]);
  const exitStatus = Number(exit[1]);
  const detail = `qacct: failed ${failedCode}${failed[2] ? ` (${failed[2].trim()})` : ''}, exit_status ${exitStatus}`;
  if (failedCode === 100 || exitStatus > 128) {
    // Damson's own cancels are judged before this: a qdel from elsewhere (an administrator).
    return {
      phase: 'ended',
      outcome: {
        state: 'INTERRUPTED',
        reason: `killed by Grid Engine outside Damson (qdel or a limit); ${detail}`,
        ...(failedCode === 100 ? { cancelledOutside: true } : {}),
      },
    };
  }
  if (failedCode !== 0) {
    return {
      phase: 'ended',
      outcome: {
        state: 'ERROR',
        reason: `Grid Engine could not run the job; ${detail}`,
        lost: true,
      },
    };
  }
  return {
    phase: 'ended',
    outcome: {
      state: 'ERROR',
      reason: `the job ended without recording the exit status; ${detail}`,
      expectsRecord: true,
      exitCode: exitStatus,
    },
  };
}

/** `qsub -terse` prints the job id (an array job: `id.first-last:step`). */
export function parseQsub(stdout: string): string {
  const match = /^(\d+)(\.\S+)?$/.exec(stdout.trim());
  if (!match) throw new EngineToolError('qsub', 'garbage', `unexpected answer '${stdout.trim()}'`);
  return match[1];
}
