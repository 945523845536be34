import { isFinished, isWaitingStep, pipelineStatus, type Job, type Pipeline } from '../jobs';
import type { PipelineResource } from '../wire/api-resources';
import { wireTimestamp } from './timestamp';

/**
 * A pipeline as clients see it: its steps in an order where each follows the steps it reads,
 * each with its job's link and state. A step waiting for its inputs is QUEUED (as slivka's clients
 * see it) with `waiting: true`; a step whose job retention removed has status null.
 */
export function pipelineResource(
  apiBase: string,
  pipeline: Pipeline,
  jobs: readonly Job[],
): PipelineResource {
  const byId = new Map(jobs.map((job) => [job.id, job]));
  const status = pipelineStatus(pipeline.steps.map((s) => byId.get(s.jobId)?.state));
  return {
    '@url': `${apiBase}/pipelines/${pipeline.id}`,
    id: pipeline.id,
    status,
    finished: status !== 'RUNNING',
    submissionTime: wireTimestamp(pipeline.submittedAt),
    steps: pipeline.steps.map((step) => {
      const job = byId.get(step.jobId);
      return {
        name: step.name,
        service: step.service,
        after: step.after,
        job: { '@url': `${apiBase}/jobs/${step.jobId}`, id: step.jobId },
        status: job?.state ?? null,
        finished: job ? isFinished(job.state) : true,
        waiting: job ? isWaitingStep(job) : false,
        reason: job?.reason ?? null,
      };
    }),
  };
}
