import { jobReason, type Job } from '../jobs';
import type { JobStory } from '../wire/api-resources';
import type { QueueEstimate } from './queue-estimates';
import { wireTimestamp } from './timestamp';

/**
 * Damson's account of a job, added to the slivka job resource (slivka's clients ignore keys they
 * do not know): why it is where it is, how it ran, and each state it entered with the time, so
 * queue wait and run time can be read off. A job awaiting a claim also gets its queue estimate
 * when the caller has one.
 */
export function jobStory(job: Job, queue?: QueueEstimate | null): JobStory {
  const reason = jobReason(job);
  return {
    // Server paths never leave (jobReason makes the recorded text public).
    ...(reason ? { reason } : {}),
    // A pause says why the job waits, over whatever an earlier attempt left.
    ...(queue?.heldReason ? { reason: queue.heldReason } : {}),
    exitCode: job.exitCode,
    runner: job.runner,
    attempts: job.attempt,
    lostAttempts: job.lostAttempts,
    priority: job.priority,
    history: job.history.map((entry) => ({ state: entry.state, time: wireTimestamp(entry.at) })),
    ...(queue
      ? {
          queuePosition: queue.queuePosition,
          estimatedStart: queue.estimatedStart ? wireTimestamp(queue.estimatedStart) : null,
        }
      : {}),
  };
}
