import { type Collection, type Db, type Filter } from 'mongodb';
import type {
  RunnerHealth,
  ServiceHealth,
  ServiceRevision,
  ServiceStatusRecord,
} from '../job-store';
import { compareCodePoints, isDuplicateKey, pairId } from './document-keys';

interface RevisionDocument extends ServiceRevision {
  _id: string;
  createdAt: Date;
}

interface StatusDocument extends ServiceStatusRecord {
  _id: string;
  status: ServiceHealth;
}

interface RunnerHealthDocument extends RunnerHealth {
  _id: string;
}

/** A replace by _id is one write; two first records at once collide on _id, then replace. */
async function upsertById<T extends { _id: string }>(
  collection: Collection<T>,
  doc: T,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await collection.replaceOne({ _id: doc._id } as Filter<T>, doc, { upsert: true });
      return;
    } catch (error) {
      if (!isDuplicateKey(error) || attempt > 2) throw error;
    }
  }
}

/**
 * Service definitions jobs refer to, the latest health-test outcome per service and runner, and
 * each runner's circuit breaker as the scheduler last saved it.
 */
export class ServiceRecords {
  private readonly revisions: Collection<RevisionDocument>;
  private readonly statuses: Collection<StatusDocument>;
  private readonly health: Collection<RunnerHealthDocument>;

  constructor(db: Db) {
    this.revisions = db.collection<RevisionDocument>('service_revisions');
    this.statuses = db.collection<StatusDocument>('service_status');
    this.health = db.collection<RunnerHealthDocument>('runner_health');
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
      if (!isDuplicateKey(error)) throw error;
    }
  }

  async getRevision(service: string, revision: string): Promise<ServiceRevision | null> {
    const doc = await this.revisions.findOne({ _id: pairId(service, revision) });
    return doc
      ? { service: doc.service, revision: doc.revision, file: doc.file, definition: doc.definition }
      : null;
  }

  recordStatus(record: ServiceStatusRecord): Promise<void> {
    return upsertById(this.statuses, { _id: pairId(record.service, record.runner), ...record });
  }

  saveRunnerHealth(health: RunnerHealth): Promise<void> {
    return upsertById(this.health, { _id: pairId(health.service, health.runner), ...health });
  }

  async listRunnerHealth(service?: string): Promise<RunnerHealth[]> {
    const docs = await this.health.find(service === undefined ? {} : { service }).toArray();
    return docs
      .map(({ service, runner, state, consecutiveFailures, retryAt, lastError, updatedAt }) => ({
        service,
        runner,
        state,
        consecutiveFailures,
        retryAt,
        lastError,
        updatedAt,
      }))
      .sort(
        (a, b) => compareCodePoints(a.service, b.service) || compareCodePoints(a.runner, b.runner),
      );
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
