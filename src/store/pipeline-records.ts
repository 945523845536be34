import type { Job, JobInputs, NewJob, NewPipeline, Pipeline } from '../jobs';

/** A step's job as created: `root` steps read no other step and are PENDING at once. */
export interface NewStepJob {
  job: NewJob;
  root: boolean;
}

/**
 * Pipelines and the release of their steps, in both stores. A step is an ordinary job; one that
 * reads other steps' outputs waits (QUEUED, never due: see isWaitingStep) until releaseStep.
 */
export interface PipelineRecords {
  /**
   * Records the pipeline and the jobs of all its steps, each carrying the pipeline's id: roots
   * PENDING, the others waiting. SQLite writes all of it in one transaction. MongoDB (no
   * transactions on FerretDB) writes the waiting jobs, then the pipeline, then the roots: a crash
   * part way leaves at most waiting jobs no one will release, never a step that runs without
   * its pipeline being recorded.
   */
  insertPipeline(pipeline: NewPipeline, jobs: NewStepJob[]): Promise<Pipeline>;
  getPipeline(id: string): Promise<Pipeline | null>;
  /** The jobs with these ids that exist, in no particular order. */
  getJobs(ids: string[]): Promise<Job[]>;
  /** Up to `limit` pipelines not yet marked ended, oldest first. */
  listOpen(limit: number): Promise<Pipeline[]>;
  markEnded(id: string): Promise<void>;
  /**
   * A waiting step becomes PENDING with its inputs resolved, in one conditional write: exactly
   * one caller gets the job back, every other one (or a step no longer waiting) gets null.
   */
  releaseStep(jobId: string, inputs: JobInputs, parameters: JobInputs): Promise<Job | null>;
  /**
   * A waiting step ends without running (an upstream step failed, or its inputs could not be
   * resolved), conditional as releaseStep is: null when the step is no longer waiting.
   */
  endWaitingStep(jobId: string, to: 'DELETED' | 'ERROR', reason: string): Promise<Job | null>;
}
