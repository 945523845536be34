import type { Collection } from 'mongodb';
import { acceptsWrite, cancelDecision, isStaleWrite, type Job, type JobState } from '../../jobs';
import type { CancelOutcome, TransitionPatch, TransitionRequest } from '../job-store';
import { queueEntry, type ClaimQueue } from './claim-queue';
import { documentToJob, type StaleWriteDocument } from './job-document';
import { cancelUpdate, transitionUpdate } from './job-updates';
import type { JobWriter } from './job-writer';
import type { WebhookDeliveries } from './webhook-deliveries';

/**
 * Every state write after the claim: each is one guarded write on one job document (JobWriter),
 * with the webhook delivery it reports and the claim-queue entry of a job made claimable again.
 */
export class MongoTransitions {
  constructor(
    private readonly writer: JobWriter,
    private readonly queue: ClaimQueue,
    private readonly deliveries: WebhookDeliveries,
    private readonly staleWrites: Collection<StaleWriteDocument>,
  ) {}

  async transition(
    id: string,
    to: JobState,
    fencingToken: number | null,
    patch: TransitionPatch,
  ): Promise<Job | null> {
    const { doc, applied } = await this.writer.write(
      id,
      (current) =>
        acceptsWrite(current, to, fencingToken)
          ? transitionUpdate(to, patch, current.version + 1, current)
          : null,
      async (current, version) => {
        await this.deliveries.recordIfWanted(current, to, version);
        // Back to PENDING means claimable again: queued before the job says so.
        if (to === 'PENDING') await this.queue.add(queueEntry(current, version));
      },
    );
    if (applied && doc) return documentToJob(doc);
    if (isStaleWrite(doc, fencingToken)) {
      await this.staleWrites.insertOne({ jobId: id, fencingToken: fencingToken!, at: new Date() });
    }
    return null;
  }

  async requestCancel(id: string): Promise<CancelOutcome> {
    const { doc, applied } = await this.writer.write(id, cancelUpdate, async (current, version) => {
      const to = cancelDecision(current);
      if (to) await this.deliveries.recordIfWanted(current, to, version);
    });
    if (!doc) return { kind: 'not_found' };
    const job = documentToJob(doc);
    if (!applied) return { kind: 'finished', job };
    if (job.state === 'DELETED') await this.queue.forget(id);
    return job.state === 'DELETED' ? { kind: 'deleted', job } : { kind: 'cancelling', job };
  }
}

/**
 * A batch without transactions (FerretDB 1.x has none) is not atomic: each change is its own
 * guarded write. One job's changes run in order; different jobs' run side by side.
 */
export async function transitionEach(
  changes: TransitionRequest[],
  transition: (change: TransitionRequest) => Promise<Job | null>,
): Promise<(Job | null)[]> {
  const results: (Job | null)[] = new Array<Job | null>(changes.length).fill(null);
  const byJob = new Map<string, number[]>();
  changes.forEach((change, i) => byJob.set(change.id, [...(byJob.get(change.id) ?? []), i]));
  await Promise.all(
    [...byJob.values()].map(async (indexes) => {
      for (const i of indexes) results[i] = await transition(changes[i]);
    }),
  );
  return results;
}
