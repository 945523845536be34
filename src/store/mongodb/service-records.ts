import { MongoServerError, type Collection, type Db } from 'mongodb';
import type { ServiceHealth, ServiceRevision, ServiceStatusRecord } from '../job-store';

interface RevisionDocument extends ServiceRevision {
  _id: string;
  createdAt: Date;
}

interface StatusDocument extends ServiceStatusRecord {
  _id: string;
  status: ServiceHealth;
}

/** An unambiguous string _id for a pair (FerretDB looks documents up fast only by string _id). */
const pairId = (a: string, b: string): string => JSON.stringify([a, b]);
const isDuplicate = (error: unknown): boolean =>
  error instanceof MongoServerError && error.code === 11000;

/** Service definitions jobs refer to, and the latest health-test outcome per service and runner. */
export class ServiceRecords {
  private readonly revisions: Collection<RevisionDocument>;
  private readonly statuses: Collection<StatusDocument>;

  constructor(db: Db) {
    this.revisions = db.collection<RevisionDocument>('service_revisions');
    this.statuses = db.collection<StatusDocument>('service_status');
  }

  /** The first save of a revision wins: a revision names one definition forever. */
  async saveRevision(revision: ServiceRevision): Promise<void> {
    try {
      await this.revisions.insertOne({
        _id: pairId(revision.service, revision.revision),
        ...revision,
        createdAt: new Date(),
      });
    } catch (error) {
      if (!isDuplicate(error)) throw error;
    }
  }

  async getRevision(service: string, revision: string): Promise<ServiceRevision | null> {
    const doc = await this.revisions.findOne({ _id: pairId(service, revision) });
    return doc
      ? { service: doc.service, revision: doc.revision, file: doc.file, definition: doc.definition }
      : null;
  }

  async recordStatus(record: ServiceStatusRecord): Promise<void> {
    const _id = pairId(record.service, record.runner);
    const doc = { _id, ...record };
    // A replace by _id is one write; two first records at once collide on _id, then replace.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.statuses.replaceOne({ _id }, doc, { upsert: true });
        return;
      } catch (error) {
        if (!isDuplicate(error) || attempt > 2) throw error;
      }
    }
  }

  async currentStatuses(): Promise<ServiceStatusRecord[]> {
    const docs = await this.statuses.find({}).toArray();
    return docs
      .map(({ service, runner, status, message, recordedAt }) => ({
        service,
        runner,
        status,
        message,
        recordedAt,
      }))
      .sort((a, b) => a.service.localeCompare(b.service) || a.runner.localeCompare(b.runner));
  }
}
