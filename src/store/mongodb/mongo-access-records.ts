import { type Db, type IndexDescription } from 'mongodb';
import type { RateCounters, StoredToken, TokenRecords } from '../access-records';
import { createEachIndex, runWithIndexes, type StoreRun } from './indexes-once';
import { isDuplicateKey } from './document-keys';

/** A token as stored: its name is the document's `_id`. */
interface TokenDocument extends Omit<StoredToken, 'name'> {
  _id: string;
}

/** One hit: the `n`th of `key`'s window (see `hit`). */
interface CounterDocument {
  _id: string;
  key: string;
  windowStart: Date;
  n: number;
  resetAt: Date;
}

const TOKEN_INDEXES: IndexDescription[] = [
  { name: 'by_secret_hash', key: { secretHash: 1 }, unique: true },
];
const COUNTER_INDEXES: IndexDescription[] = [
  { name: 'by_reset', key: { resetAt: 1 } },
  { name: 'by_window', key: { key: 1, windowStart: 1, n: -1 } },
];

const ticketId = (key: string, windowStart: Date, n: number): string =>
  `${windowStart.getTime()}:${n}:${key}`;

function documentToToken(doc: TokenDocument): StoredToken {
  return {
    name: doc._id,
    secretHash: doc.secretHash,
    scopes: Array.isArray(doc.scopes) ? doc.scopes.filter((s) => typeof s === 'string') : [],
    requests: doc.requests ?? null,
    submissions: doc.submissions ?? null,
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt ?? null,
  };
}

/**
 * Tokens and rate counters on MongoDB (or FerretDB). `run` is the store's own wrapper (connects,
 * translates driver errors). Every write is a single-document atomic operation.
 */
export class MongoAccessRecords implements TokenRecords, RateCounters {
  /** Its own indexes, once (see runWithIndexes). */
  private readonly withIndexes: StoreRun;

  constructor(
    private readonly db: () => Db,
    run: StoreRun,
  ) {
    this.withIndexes = runWithIndexes(run, async () => {
      await createEachIndex(this.tokens, TOKEN_INDEXES);
      await createEachIndex(this.counters, COUNTER_INDEXES);
    });
  }

  private get tokens() {
    return this.db().collection<TokenDocument>('api_tokens');
  }

  private get counters() {
    return this.db().collection<CounterDocument>('rate_counters');
  }

  createToken(token: StoredToken): Promise<boolean> {
    return this.withIndexes(async () => {
      try {
        await this.tokens.insertOne({
          _id: token.name,
          secretHash: token.secretHash,
          scopes: token.scopes,
          requests: token.requests,
          submissions: token.submissions,
          createdAt: token.createdAt,
          expiresAt: token.expiresAt,
        });
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    });
  }

  findTokenByHash(secretHash: string): Promise<StoredToken | null> {
    return this.withIndexes(async () => {
      const doc = await this.tokens.findOne({ secretHash });
      return doc ? documentToToken(doc) : null;
    });
  }

  listTokens(): Promise<StoredToken[]> {
    return this.withIndexes(async () => {
      const docs = await this.tokens.find({}).sort({ _id: 1 }).toArray();
      return docs.map(documentToToken);
    });
  }

  revokeToken(name: string): Promise<boolean> {
    return this.withIndexes(
      async () => (await this.tokens.deleteOne({ _id: name })).deletedCount === 1,
    );
  }

  /**
   * FerretDB 1.x does not apply `$inc` atomically (concurrent increments are lost), but an insert
   * with a unique `_id` is atomic everywhere: each hit is a numbered ticket `<window>:<n>:<key>`,
   * and exactly one writer gets each number, so the number a writer gets is the window's count.
   */
  hit(key: string, windowStart: Date, resetAt: Date, ceiling?: number): Promise<number> {
    return this.withIndexes(async () => {
      const last = await this.counters
        .find({ key, windowStart }, { projection: { n: 1 } })
        .sort({ n: -1 })
        .limit(1)
        .next();
      let n = (last?.n ?? 0) + 1;
      for (;;) {
        if (ceiling !== undefined && n > ceiling + 1) return n - 1;
        try {
          await this.counters.insertOne({
            _id: ticketId(key, windowStart, n),
            key,
            windowStart,
            n,
            resetAt,
          });
          return n;
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
          n += 1;
        }
      }
    });
  }

  /** Takes back the window's last ticket. */
  unhit(key: string, windowStart: Date): Promise<void> {
    return this.withIndexes(async () => {
      const last = await this.counters
        .find({ key, windowStart }, { projection: { _id: 1 } })
        .sort({ n: -1 })
        .limit(1)
        .next();
      if (last) await this.counters.deleteOne({ _id: last._id });
    });
  }

  reset(key: string): Promise<void> {
    return this.withIndexes(async () => {
      await this.counters.deleteMany({ key });
    });
  }

  sweep(now: Date, limit: number): Promise<number> {
    return this.withIndexes(async () => {
      const ended = await this.counters
        .find({ resetAt: { $lte: now } }, { projection: { _id: 1 } })
        .sort({ resetAt: 1 })
        .limit(limit)
        .toArray();
      if (ended.length === 0) return 0;
      const ids = ended.map((doc) => doc._id);
      return (await this.counters.deleteMany({ _id: { $in: ids } })).deletedCount;
    });
  }
}
