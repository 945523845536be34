import type Database from 'better-sqlite3';
import type { RateCounters, StoredToken, TokenRecords } from '../access-records';

const ACCESS_SCHEMA = `
CREATE TABLE IF NOT EXISTS api_tokens (
  name TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  requests INTEGER,
  submissions INTEGER,
  created_at INTEGER NOT NULL,
  expires_at INTEGER
);
CREATE TABLE IF NOT EXISTS rate_counters (
  key TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  hits INTEGER NOT NULL,
  reset_at INTEGER NOT NULL,
  PRIMARY KEY (key, window_start)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rate_counters_by_reset ON rate_counters (reset_at);
`;

interface TokenRow {
  name: string;
  secret_hash: string;
  scopes: string;
  requests: number | null;
  submissions: number | null;
  created_at: number;
  expires_at: number | null;
}

function rowToToken(row: TokenRow): StoredToken {
  const scopes: unknown = JSON.parse(row.scopes);
  return {
    name: row.name,
    secretHash: row.secret_hash,
    scopes: Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [],
    requests: row.requests,
    submissions: row.submissions,
    createdAt: new Date(row.created_at),
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
  };
}

/** Tokens and rate counters in the SQLite file every process of the machine opens. */
export class SqliteAccessRecords implements TokenRecords, RateCounters {
  constructor(private readonly db: Database.Database) {
    db.exec(ACCESS_SCHEMA);
  }

  async createToken(token: StoredToken): Promise<boolean> {
    const result = this.db
      .prepare(
        `INSERT INTO api_tokens
           (name, secret_hash, scopes, requests, submissions, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(
        token.name,
        token.secretHash,
        JSON.stringify(token.scopes),
        token.requests,
        token.submissions,
        token.createdAt.getTime(),
        token.expiresAt?.getTime() ?? null,
      );
    return result.changes === 1;
  }

  async findTokenByHash(secretHash: string): Promise<StoredToken | null> {
    const row = this.db
      .prepare('SELECT * FROM api_tokens WHERE secret_hash = ?')
      .get(secretHash) as TokenRow | undefined;
    return row ? rowToToken(row) : null;
  }

  async listTokens(): Promise<StoredToken[]> {
    const rows = this.db.prepare('SELECT * FROM api_tokens ORDER BY name').all() as TokenRow[];
    return rows.map(rowToToken);
  }

  async revokeToken(name: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM api_tokens WHERE name = ?').run(name).changes === 1;
  }

  async hit(key: string, windowStart: Date, resetAt: Date, ceiling?: number): Promise<number> {
    const row = this.db
      .prepare(
        `INSERT INTO rate_counters (key, window_start, hits, reset_at) VALUES (?, ?, 1, ?)
         ON CONFLICT (key, window_start)
           DO UPDATE SET hits = CASE WHEN ? IS NULL OR hits <= ? THEN hits + 1 ELSE hits END
         RETURNING hits`,
      )
      .get(key, windowStart.getTime(), resetAt.getTime(), ceiling ?? null, ceiling ?? null) as {
      hits: number;
    };
    return row.hits;
  }

  async unhit(key: string, windowStart: Date): Promise<void> {
    this.db
      .prepare(
        'UPDATE rate_counters SET hits = hits - 1 WHERE key = ? AND window_start = ? AND hits > 0',
      )
      .run(key, windowStart.getTime());
  }

  async reset(key: string): Promise<void> {
    this.db.prepare('DELETE FROM rate_counters WHERE key = ?').run(key);
  }

  async sweep(now: Date, limit: number): Promise<number> {
    return this.db
      .prepare(
        `DELETE FROM rate_counters WHERE (key, window_start) IN (SELECT key, window_start
           FROM rate_counters WHERE reset_at <= ? ORDER BY reset_at LIMIT ?)`,
      )
      .run(now.getTime(), limit).changes;
  }
}
