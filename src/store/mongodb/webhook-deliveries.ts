import { type Collection, type Db } from 'mongodb';
import { isWebhookEvent, type JobState } from '../../jobs';
import {
  MAX_DELIVERIES_LISTED,
  MAX_DELIVERY_ATTEMPTS_KEPT,
  type Delivery,
  type DeliveryOutcome,
} from '../delivery-records';
import type { JobDocument } from './job-document';
import { isDuplicateKey } from './document-keys';

/** A delivery as stored: its id is the document's `_id`. */
type DeliveryDocument = Omit<Delivery, 'id'> & { _id: string };

const toDelivery = ({ _id, ...rest }: DeliveryDocument): Delivery => ({ id: _id, ...rest });

/** Webhook deliveries in their own collection; only jobs with a callback ever write here. */
export class WebhookDeliveries {
  private readonly deliveries: Collection<DeliveryDocument>;

  constructor(db: Db) {
    this.deliveries = db.collection<DeliveryDocument>('webhook_deliveries');
  }

  async createIndexes(): Promise<void> {
    await this.deliveries.createIndex({ jobId: 1, createdAt: 1 }, { name: 'by_job' });
    await this.deliveries.createIndex({ state: 1, nextAttemptAt: 1 }, { name: 'due' });
  }

  /**
   * Records the delivery of a job's move from `current` to `to` when its callback wants it. Runs
   * once the write holds its version ticket (JobWriter), before the write lands: the id is the
   * job and that version, so a writer that dies and a later one that takes the version over
   * record it once. A delivery whose write never landed is dropped by the deliverer, which finds
   * the job never entered its state.
   */
  async recordIfWanted(current: JobDocument, to: JobState, version: number): Promise<void> {
    const callback = current.callback ?? null;
    if (!callback || !isWebhookEvent(callback, current.state, to)) return;
    const now = new Date();
    try {
      await this.deliveries.insertOne({
        _id: `${current._id}-${version}`,
        jobId: current._id,
        url: callback.url,
        event: to,
        createdAt: now,
        state: 'pending',
        body: null,
        nextAttemptAt: now,
        attempts: [],
        attemptCount: 0,
        leaseOwner: null,
        leaseExpiresAt: null,
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  /** Due deliveries, each leased by a conditional update (at least once: see docs/api.md). */
  async claim(owner: string, leaseMs: number, limit: number): Promise<Delivery[]> {
    const now = new Date();
    const due = await this.deliveries
      .find({ state: 'pending', nextAttemptAt: { $lte: now } }, { projection: { _id: 1 } })
      .sort({ nextAttemptAt: 1 })
      .limit(limit * 4)
      .toArray();
    const claimed: Delivery[] = [];
    for (const { _id } of due) {
      if (claimed.length >= limit) break;
      const doc = await this.deliveries.findOneAndUpdate(
        {
          _id,
          state: 'pending',
          $or: [{ leaseExpiresAt: null }, { leaseExpiresAt: { $lte: now } }],
        },
        { $set: { leaseOwner: owner, leaseExpiresAt: new Date(now.getTime() + leaseMs) } },
        { returnDocument: 'after' },
      );
      if (doc && doc.leaseOwner === owner) claimed.push(toDelivery(doc));
    }
    return claimed;
  }

  async record(id: string, owner: string, outcome: DeliveryOutcome): Promise<boolean> {
    const doc = await this.deliveries.findOne({ _id: id, leaseOwner: owner });
    if (!doc) return false;
    const result = await this.deliveries.updateOne(
      { _id: id, leaseOwner: owner },
      {
        $set: {
          state: outcome.state,
          body: outcome.body,
          nextAttemptAt: outcome.nextAttemptAt,
          attempts: [...doc.attempts, outcome.attempt].slice(-MAX_DELIVERY_ATTEMPTS_KEPT),
          attemptCount: doc.attemptCount + 1,
          leaseOwner: null,
          leaseExpiresAt: null,
        },
      },
    );
    return result.matchedCount === 1;
  }

  /** Removes the deliveries of deleted jobs (retention). */
  async forget(jobIds: string[]): Promise<void> {
    if (jobIds.length) await this.deliveries.deleteMany({ jobId: { $in: jobIds } });
  }

  async list(jobId: string): Promise<Delivery[]> {
    const docs = await this.deliveries
      .find({ jobId })
      .sort({ createdAt: 1, _id: 1 })
      .limit(MAX_DELIVERIES_LISTED)
      .toArray();
    return docs.map(toDelivery);
  }
}
