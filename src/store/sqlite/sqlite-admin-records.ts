import type Database from 'better-sqlite3';
import type * as admin from '../admin-records';

const ADMIN_SCHEMA = `
CREATE TABLE IF NOT EXISTS admin_pauses (
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  reason TEXT,
  paused_by TEXT NOT NULL,
  paused_at INTEGER NOT NULL,
  PRIMARY KEY (kind, name)
);
CREATE TABLE IF NOT EXISTS admin_drains (
  agent TEXT PRIMARY KEY,
  requested_by TEXT NOT NULL,
  requested_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS agents (
  name TEXT PRIMARY KEY,
  kinds TEXT NOT NULL,
  slots INTEGER NOT NULL,
  busy INTEGER NOT NULL,
  job_ids TEXT NOT NULL,
  last_heard_at INTEGER NOT NULL,
  published_at INTEGER NOT NULL
);
`;

interface PauseRow {
  kind: admin.PauseTargetKind;
  name: string;
  reason: string | null;
  paused_by: string;
  paused_at: number;
}

interface DrainRow {
  agent: string;
  requested_by: string;
  requested_at: number;
}

interface AgentRow {
  name: string;
  kinds: string;
  slots: number;
  busy: number;
  job_ids: string;
  last_heard_at: number;
  published_at: number;
}

/** Parsed defensively: the file is shared with other processes of other versions. */
function stringArray(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

export class SqliteAdminRecords implements admin.AdminRecords {
  constructor(private readonly db: Database.Database) {
    db.exec(ADMIN_SCHEMA);
  }

  async pause(record: admin.PauseRecord): Promise<boolean> {
    const existed = this.db
      .prepare('SELECT 1 FROM admin_pauses WHERE kind = ? AND name = ?')
      .get(record.kind, record.name);
    this.db
      .prepare(
        `INSERT INTO admin_pauses (kind, name, reason, paused_by, paused_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (kind, name) DO UPDATE SET reason = excluded.reason`,
      )
      .run(record.kind, record.name, record.reason, record.pausedBy, record.pausedAt.getTime());
    return existed === undefined;
  }

  async resume(kind: admin.PauseTargetKind, name: string): Promise<boolean> {
    const done = this.db
      .prepare('DELETE FROM admin_pauses WHERE kind = ? AND name = ?')
      .run(kind, name);
    return done.changes > 0;
  }

  async listPauses(): Promise<admin.PauseRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM admin_pauses ORDER BY kind, name')
      .all() as PauseRow[];
    return rows.map((r) => ({
      kind: r.kind,
      name: r.name,
      reason: r.reason,
      pausedBy: r.paused_by,
      pausedAt: new Date(r.paused_at),
    }));
  }

  async drain(record: admin.DrainRecord): Promise<boolean> {
    const done = this.db
      .prepare(
        `INSERT INTO admin_drains (agent, requested_by, requested_at) VALUES (?, ?, ?)
         ON CONFLICT (agent) DO NOTHING`,
      )
      .run(record.agent, record.requestedBy, record.requestedAt.getTime());
    return done.changes > 0;
  }

  async undrain(agent: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM admin_drains WHERE agent = ?').run(agent).changes > 0;
  }

  async listDrains(): Promise<admin.DrainRecord[]> {
    const rows = this.db.prepare('SELECT * FROM admin_drains ORDER BY agent').all() as DrainRow[];
    return rows.map((r) => ({
      agent: r.agent,
      requestedBy: r.requested_by,
      requestedAt: new Date(r.requested_at),
    }));
  }

  async saveAgents(agents: admin.AgentRecord[]): Promise<void> {
    const upsert = this.db.prepare(
      `INSERT INTO agents (name, kinds, slots, busy, job_ids, last_heard_at, published_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET kinds = excluded.kinds, slots = excluded.slots,
         busy = excluded.busy, job_ids = excluded.job_ids, last_heard_at = excluded.last_heard_at,
         published_at = excluded.published_at`,
    );
    this.db.transaction(() => {
      for (const a of agents)
        upsert.run(
          a.name,
          JSON.stringify(a.kinds),
          a.slots,
          a.busy,
          JSON.stringify(a.jobIds),
          a.lastHeardAt.getTime(),
          a.publishedAt.getTime(),
        );
    })();
  }

  async forgetAgentsBefore(cutoff: Date): Promise<number> {
    return this.db.prepare('DELETE FROM agents WHERE published_at < ?').run(cutoff.getTime())
      .changes;
  }

  async listAgents(): Promise<admin.AgentRecord[]> {
    const rows = this.db.prepare('SELECT * FROM agents ORDER BY name').all() as AgentRow[];
    return rows.map((r) => ({
      name: r.name,
      kinds: stringArray(r.kinds),
      slots: r.slots,
      busy: r.busy,
      jobIds: stringArray(r.job_ids),
      lastHeardAt: new Date(r.last_heard_at),
      publishedAt: new Date(r.published_at),
    }));
  }
}
