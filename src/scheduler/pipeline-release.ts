import {
  isFinished,
  isWaitingStep,
  stepVerdict,
  type Job,
  type JobState,
  type Pipeline,
  type PipelineStep,
} from '../jobs';
import { failpoint } from '../lifecycle/failpoint';
import type { Logger } from '../lifecycle/logger';
import type { Service } from '../services/service';
import type { ServiceRevisions } from '../services/service-revisions';
import type { JobStore } from '../store/job-store';
import type { SchedulerOptions } from './scheduler';
import { resolveStepInputs } from './step-inputs';

/** Open pipelines looked at per pass, oldest first (the rest wait for the next pass). */
const PASS_LIMIT = 500;

/** What the release takes from the scheduler's options. */
export type PipelineReleaseOptions = Pick<
  SchedulerOptions,
  'jobsDirectory' | 'pollIntervalMs' | 'announceChanges'
>;

/**
 * Moves pipelines on: a waiting step whose upstream steps all COMPLETED is released (PENDING, its
 * files resolved now); one with a failed, cancelled or lost upstream step ends DELETED naming that
 * step. Every decision is read from the store and every write is conditional on the step still
 * waiting, so a pass can be repeated, or cut short by a crash, without a step being released
 * twice or skipped: the next pass (any scheduler's) picks up where this one stopped.
 */
export class PipelineRelease {
  /** Pipelines with a step that finished since the last pass: looked at in the next tick. */
  private readonly touched = new Set<string>();
  private fullPassDue = true;
  private lastFullPassAtMs = 0;

  constructor(
    private readonly store: JobStore,
    private readonly revisions: ServiceRevisions,
    private readonly options: PipelineReleaseOptions,
    private readonly log: Logger,
    /** Asks the scheduler for a tick (to claim what was released). */
    private readonly wake: () => void,
  ) {}

  /** Recorded writes: a finished pipeline step calls for a look at its pipeline at once. */
  noteWritten(jobs: readonly Job[]): void {
    let any = false;
    for (const job of jobs) {
      if (!job.pipeline || !isFinished(job.state)) continue;
      this.touched.add(job.pipeline);
      any = true;
    }
    if (any) this.wake();
  }

  /**
   * Before each tick's claims, so released steps compete for the slots their predecessors freed:
   * the pipelines a finished step touched, and every open one each poll interval (a restart, a
   * cancel through the server, a write this process did not make).
   */
  async maybePass(nowMs: number): Promise<void> {
    if (this.fullPassDue || nowMs - this.lastFullPassAtMs >= this.options.pollIntervalMs) {
      this.fullPassDue = false;
      this.lastFullPassAtMs = nowMs;
      this.touched.clear();
      await this.advanceAll(await this.store.pipelines.listOpen(PASS_LIMIT));
      return;
    }
    if (this.touched.size === 0) return;
    const ids = [...this.touched];
    this.touched.clear();
    const found = await Promise.all(ids.map((id) => this.store.pipelines.getPipeline(id)));
    await this.advanceAll(found.filter((p): p is Pipeline => p !== null && !p.ended));
  }

  private async advanceAll(pipelines: readonly Pipeline[]): Promise<void> {
    let released = 0;
    let ended = 0;
    for (const pipeline of pipelines) {
      try {
        const moved = await this.advance(pipeline);
        released += moved.released;
        ended += moved.ended;
      } catch (error) {
        this.log.error({ err: error, pipelineId: pipeline.id }, 'pipeline pass failed');
        this.fullPassDue = true;
      }
    }
    if (ended) this.options.announceChanges?.('finished');
    else if (released) this.options.announceChanges?.('progress');
    if (released) this.wake();
  }

  private async advance(pipeline: Pipeline): Promise<{ released: number; ended: number }> {
    const jobs = await this.store.pipelines.getJobs(pipeline.steps.map((s) => s.jobId));
    const byId = new Map(jobs.map((job) => [job.id, job]));
    const byStep = new Map<string, Job>();
    const states = new Map<string, JobState>();
    for (const step of pipeline.steps) {
      const job = byId.get(step.jobId);
      if (!job) continue;
      byStep.set(step.name, job);
      states.set(step.name, job.state);
    }
    let released = 0;
    let ended = 0;
    const record = (name: string, job: Job | null): void => {
      if (!job) return;
      byStep.set(name, job);
      states.set(name, job.state);
      if (isFinished(job.state)) ended++;
      else released++;
    };
    // Steps are stored upstream first, so one pass carries a failure all the way down.
    for (const step of pipeline.steps) {
      const job = byStep.get(step.name);
      if (!job || !isWaitingStep(job)) continue;
      const verdict = stepVerdict(pipeline, step.name, states);
      if (verdict.kind === 'wait') continue;
      if (verdict.kind === 'end') {
        record(
          step.name,
          await this.store.pipelines.endWaitingStep(job.id, 'DELETED', verdict.reason),
        );
        continue;
      }
      record(step.name, await this.release(pipeline, step, job, byStep));
    }
    const allEnded = pipeline.steps.every((s) => {
      const state = states.get(s.name);
      return state === undefined || isFinished(state);
    });
    if (allEnded) await this.store.pipelines.markEnded(pipeline.id);
    return { released, ended };
  }

  /** Resolves the step's files from its upstream jobs and releases it, or ends it ERROR. */
  private async release(
    pipeline: Pipeline,
    step: PipelineStep,
    job: Job,
    byStep: ReadonlyMap<string, Job>,
  ): Promise<Job | null> {
    const upstream = new Map<string, { job: Job; service: Service | undefined }>();
    for (const name of step.after) {
      const up = byStep.get(name);
      if (up) upstream.set(name, { job: up, service: await this.revisions.forJob(up) });
    }
    const resolved = await resolveStepInputs(
      job,
      step,
      await this.revisions.forJob(job),
      (name) => upstream.get(name),
      this.options.jobsDirectory,
    );
    // Crash tests: dies between reading the upstream COMPLETED and writing the release.
    failpoint('scheduler-before-release');
    const done = resolved.ok
      ? await this.store.pipelines.releaseStep(job.id, resolved.inputs, resolved.parameters)
      : await this.store.pipelines.endWaitingStep(job.id, 'ERROR', resolved.reason);
    if (done) {
      const fields = { jobId: job.id, pipelineId: pipeline.id, state: done.state };
      this.log.debug(fields, 'pipeline step moved on');
    }
    return done;
  }
}
