import { type Collection, type Db } from 'mongodb';
import type {
  AdminRecords,
  AgentRecord,
  DrainRecord,
  PauseRecord,
  PauseTargetKind,
} from '../admin-records';
import { compareCodePoints, isDuplicateKey, pairId } from './document-keys';

interface PauseDocument extends PauseRecord {
  _id: string;
}

interface DrainDocument extends DrainRecord {
  _id: string;
}

interface AgentDocument extends AgentRecord {
  _id: string;
}

const pauseId = (kind: PauseTargetKind, name: string): string => pairId(kind, name);

/**
 * Pauses, drains and the published agents on MongoDB (or FerretDB). A handful of documents each:
 * no index beyond _id is needed. `run` is the store's own wrapper (connects, translates errors).
 */
export class MongoAdminRecords implements AdminRecords {
  constructor(
    private readonly db: () => Db,
    private readonly run: <T>(operation: () => Promise<T>) => Promise<T>,
  ) {}

  private get pauses(): Collection<PauseDocument> {
    return this.db().collection<PauseDocument>('admin_pauses');
  }

  private get drains(): Collection<DrainDocument> {
    return this.db().collection<DrainDocument>('admin_drains');
  }

  private get agents(): Collection<AgentDocument> {
    return this.db().collection<AgentDocument>('agents');
  }

  pause(record: PauseRecord): Promise<boolean> {
    return this.run(async () => {
      const _id = pauseId(record.kind, record.name);
      try {
        await this.pauses.insertOne({ _id, ...record });
        return true;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      await this.pauses.updateOne({ _id }, { $set: { reason: record.reason } });
      return false;
    });
  }

  resume(kind: PauseTargetKind, name: string): Promise<boolean> {
    return this.run(
      async () => (await this.pauses.deleteOne({ _id: pauseId(kind, name) })).deletedCount > 0,
    );
  }

  listPauses(): Promise<PauseRecord[]> {
    return this.run(async () => {
      const docs = await this.pauses.find({}).toArray();
      return docs
        .map(({ kind, name, reason, pausedBy, pausedAt }) => ({
          kind,
          name,
          reason: reason ?? null,
          pausedBy,
          pausedAt,
        }))
        .sort((a, b) => compareCodePoints(a.kind, b.kind) || compareCodePoints(a.name, b.name));
    });
  }

  drain(record: DrainRecord): Promise<boolean> {
    return this.run(async () => {
      try {
        await this.drains.insertOne({ _id: record.agent, ...record });
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    });
  }

  undrain(agent: string): Promise<boolean> {
    return this.run(async () => (await this.drains.deleteOne({ _id: agent })).deletedCount > 0);
  }

  listDrains(): Promise<DrainRecord[]> {
    return this.run(async () => {
      const docs = await this.drains.find({}).toArray();
      return docs
        .map(({ agent, requestedBy, requestedAt }) => ({ agent, requestedBy, requestedAt }))
        .sort((a, b) => compareCodePoints(a.agent, b.agent));
    });
  }

  saveAgents(agents: AgentRecord[]): Promise<void> {
    return this.run(async () => {
      if (agents.length === 0) return;
      await this.agents.bulkWrite(
        agents.map((a) => ({
          replaceOne: { filter: { _id: a.name }, replacement: { _id: a.name, ...a }, upsert: true },
        })),
        { ordered: false },
      );
    });
  }

  forgetAgentsBefore(cutoff: Date): Promise<number> {
    return this.run(
      async () => (await this.agents.deleteMany({ publishedAt: { $lt: cutoff } })).deletedCount,
    );
  }

  listAgents(): Promise<AgentRecord[]> {
    return this.run(async () => {
      const docs = await this.agents.find({}).toArray();
      return docs
        .map(({ name, kinds, slots, busy, jobIds, lastHeardAt, publishedAt }) => ({
          name,
          kinds,
          slots,
          busy,
          jobIds,
          lastHeardAt,
          publishedAt,
        }))
        .sort((a, b) => compareCodePoints(a.name, b.name));
    });
  }
}
