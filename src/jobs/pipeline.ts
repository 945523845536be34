import type { Job } from './job';
import { isFinished, type JobState } from './job-state';

/** The most steps one pipeline may have: each is a job, all created by one request. */
export const MAX_PIPELINE_STEPS = 32;

/**
 * The not-before time of a step waiting for its inputs: the latest time a JavaScript Date holds,
 * so no claim ever finds it due. Only the release (src/scheduler/pipeline-release.ts) moves it on.
 */
export const PIPELINE_WAIT_UNTIL = new Date(8_640_000_000_000_000);

/** A file parameter whose value is an earlier step's output, resolved when the step is released. */
export interface StepReference {
  parameter: string;
  /** The stand-in value stored in the job's inputs and parameters until the release. */
  token: string;
  /** The step whose output it is, and the output's id in that step's service file. */
  from: string;
  output: string;
}

export interface PipelineStep {
  name: string;
  service: string;
  jobId: string;
  /** The steps this one reads from, by name (the DAG's edges). */
  after: string[];
  references: StepReference[];
}

/**
 * Several jobs submitted at once, each step reading earlier steps' outputs. Steps are stored in an
 * order where every step comes after the steps it reads from.
 */
export interface Pipeline {
  id: string;
  submittedAt: Date;
  steps: PipelineStep[];
  /** Every step has finished (a hint for the release pass, which stops looking at it). */
  ended: boolean;
}

export type NewPipeline = Pick<Pipeline, 'id' | 'steps'>;

type WaitFields = Pick<Job, 'state' | 'leaseOwner' | 'notBefore'> & { pipeline?: string | null };

/** A step created and not yet released: to clients a delayed job (QUEUED), never claimed. */
export function isWaitingStep(job: WaitFields): boolean {
  return (
    !!job.pipeline &&
    job.state === 'QUEUED' &&
    job.leaseOwner === null &&
    job.notBefore?.getTime() === PIPELINE_WAIT_UNTIL.getTime()
  );
}

/**
 * The steps in an order where each comes after those it reads from (Kahn's algorithm, stable in
 * the order given), or the name of a step on a cycle.
 */
export function topologicalOrder(
  steps: readonly Pick<PipelineStep, 'name' | 'after'>[],
): { order: string[] } | { cycle: string } {
  const remaining = new Map(steps.map((s) => [s.name, new Set(s.after)]));
  const order: string[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].find(([, after]) => after.size === 0);
    if (!ready) return { cycle: [...remaining.keys()][0] };
    remaining.delete(ready[0]);
    order.push(ready[0]);
    for (const after of remaining.values()) after.delete(ready[0]);
  }
  return { order };
}

/** What the release pass does with a waiting step, judged on its upstream jobs as they stand. */
export type StepVerdict =
  | { kind: 'wait' }
  | { kind: 'release' }
  /** An upstream step ended without completing: this one never runs. */
  | { kind: 'end'; reason: string };

/**
 * `states`: each step's job state by step name (absent: the job is gone). The reason names the
 * step that failed first on the way up, not the dependant that was ended because of it.
 */
export function stepVerdict(
  pipeline: Pick<Pipeline, 'steps'>,
  name: string,
  states: ReadonlyMap<string, JobState>,
): StepVerdict {
  const byName = new Map(pipeline.steps.map((s) => [s.name, s]));
  const culprit = (step: string, seen: Set<string>): string | null => {
    for (const up of byName.get(step)?.after ?? []) {
      if (seen.has(up)) continue;
      seen.add(up);
      const state = states.get(up);
      if (state === 'COMPLETED') continue;
      if (state === undefined || isFinished(state)) return culprit(up, seen) ?? up;
    }
    return null;
  };
  const failed = culprit(name, new Set());
  if (failed !== null) {
    const state = states.get(failed);
    const how = state === undefined ? 'was lost' : `ended ${state}`;
    return { kind: 'end', reason: `pipeline step '${failed}' ${how}; this step did not run` };
  }
  const after = byName.get(name)?.after ?? [];
  return after.every((up) => states.get(up) === 'COMPLETED')
    ? { kind: 'release' }
    : { kind: 'wait' };
}

export type PipelineStatus = 'RUNNING' | 'COMPLETED' | 'FAILED';

/** COMPLETED when every step did, FAILED when all ended and one did not, else RUNNING. */
export function pipelineStatus(states: readonly (JobState | undefined)[]): PipelineStatus {
  const done = (s: JobState | undefined): boolean => s === undefined || isFinished(s);
  if (!states.every(done)) return 'RUNNING';
  return states.every((s) => s === 'COMPLETED') ? 'COMPLETED' : 'FAILED';
}
