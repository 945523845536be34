import type { Db } from 'mongodb';
import type { JobState } from '../../jobs';
import type { Heartbeat, JobCount, OperationsRecords } from '../operations-records';
import type { JobDocument } from './job-document';

interface HeartbeatDocument {
  _id: string;
  owner: string;
  at: Date;
}

/**
 * Job counts and heartbeats on MongoDB. `run` is the store's own wrapper (connects, translates
 * driver errors into StoreUnavailableError).
 */
export class MongoOperationsRecords implements OperationsRecords {
  constructor(
    private readonly db: () => Db,
    private readonly run: <T>(operation: () => Promise<T>) => Promise<T>,
  ) {}

  jobCounts(): Promise<JobCount[]> {
    return this.run(async () => {
      const rows = await this.db()
        .collection<JobDocument>('jobs')
        .aggregate<{ _id: { service: string; state: JobState }; count: number }>([
          { $group: { _id: { service: '$service', state: '$state' }, count: { $sum: 1 } } },
        ])
        .toArray();
      return rows.map((row) => ({
        service: row._id.service,
        state: row._id.state,
        count: row.count,
      }));
    });
  }

  recordHeartbeat(role: string, heartbeat: Heartbeat): Promise<void> {
    return this.run(async () => {
      await this.db()
        .collection<HeartbeatDocument>('heartbeats')
        .updateOne(
          { _id: role },
          { $set: { owner: heartbeat.owner, at: heartbeat.at } },
          { upsert: true },
        );
    });
  }

  lastHeartbeat(role: string): Promise<Heartbeat | null> {
    return this.run(async () => {
      const doc = await this.db()
        .collection<HeartbeatDocument>('heartbeats')
        .findOne({ _id: role });
      return doc ? { owner: doc.owner, at: doc.at } : null;
    });
  }
}
