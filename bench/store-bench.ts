/**
 * Store benchmark: inserts/s, point reads/s and claims/s for the SQLite and MongoDB stores, each
 * as a ratio to a baseline measured in the same run on the same backend (the bare driver doing
 * the nearest single operation), plus MongoDB as a ratio of SQLite
 * (the goal: ≥ 80%). MongoDB is MONGODB_URL, else a private FerretDB started with scripts/ferretdb.sh.
 *   npm run build && npm run bench:store [-- --seconds 3 --max-ops 20000]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import { newJobId, type NewJob } from '../src/jobs';
import { openStoreSpec, type StoreSpec } from './store-spec';

interface Rates {
  insert: number;
  read: number;
  claim: number;
}

const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const SECONDS = arg('seconds', 3);
const MAX_OPS = arg('max-ops', 20_000);

/** Runs `op` sequentially until MAX_OPS or SECONDS; returns operations per second. */
async function rate(op: (i: number) => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(SECONDS * 1e9);
  let n = 0;
  while (n < MAX_OPS && process.hrtime.bigint() < deadline) await op(n++);
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

const job = (): NewJob => {
  const id = newJobId();
  return {
    id,
    service: 'head',
    inputs: { input: `/srv/damson/media/uploads/${id}.txt`, lines: '10', flags: ['-n', '-v'] },
    parameters: { input: id, lines: '10', flags: ['n', 'v'] },
    workDir: `${id.slice(-2)}/${id.slice(-4, -2)}/${id.slice(0, -4)}`,
  };
};

async function storeRates(spec: StoreSpec): Promise<Rates> {
  const store = openStoreSpec(spec);
  const ids: string[] = [];
  await store.ping();
  const insert = await rate(async () => ids.push((await store.insertJob(job())).id));
  const read = await rate((i) => store.getJob(ids[i % ids.length]));
  const claim = await rate(() => store.claimPending('bench', 60_000, 1));
  await store.close();
  return { insert, read, claim };
}

function sqliteBaseline(file: string): Promise<Rates> {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, state TEXT NOT NULL, doc TEXT NOT NULL)');
  db.exec('CREATE INDEX t_state ON t (state)');
  const insert = db.prepare(`INSERT INTO t (id, state, doc) VALUES (?, 'P', ?)`);
  const read = db.prepare('SELECT * FROM t WHERE id = ?');
  const claim = db.prepare(
    `UPDATE t SET state = 'A' WHERE id = (SELECT id FROM t WHERE state = 'P' LIMIT 1) RETURNING *`,
  );
  const ids: string[] = [];
  return (async () => {
    const rates = {
      insert: await rate(() => {
        const j = job();
        insert.run(j.id, JSON.stringify(j));
        ids.push(j.id);
      }),
      read: await rate((i) => read.get(ids[i % ids.length])),
      claim: await rate(() => claim.get()),
    };
    db.close();
    return rates;
  })();
}

async function mongoBaseline(url: string, database: string): Promise<Rates> {
  const client = new MongoClient(url);
  const t = client.db(database).collection<{ _id: string; state: string }>('baseline');
  const ids: string[] = [];
  const rates = {
    insert: await rate(async () => {
      const j = job();
      await t.insertOne({ _id: j.id, state: 'P', ...j });
      ids.push(j.id);
    }),
    read: await rate((i) => t.findOne({ _id: ids[i % ids.length] })),
    claim: await rate(() => t.findOneAndUpdate({ state: 'P' }, { $set: { state: 'A' } })),
  };
  await client.db(database).dropDatabase();
  await client.close();
  return rates;
}

function startFerretDb(): { url: string; stop: () => void } {
  const runDir = mkdtempSync(path.join(tmpdir(), 'damson-bench-ferretdb-'));
  const script = path.resolve(__dirname, '../../scripts/ferretdb.sh');
  const env = { ...process.env, DAMSON_RUN: runDir };
  const url = execFileSync(script, ['start'], { env, encoding: 'utf8' }).trim();
  return {
    url,
    stop: () => {
      execFileSync(script, ['stop'], { env, stdio: 'ignore' });
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}

const fmt = (n: number): string => n.toFixed(0).padStart(9);
const ratio = (a: number, b: number): string => (a / b).toFixed(2).padStart(6);

function report(label: string, store: Rates, baseline: Rates): void {
  for (const op of ['insert', 'read', 'claim'] as const) {
    console.log(
      `${label.padEnd(8)} ${op.padEnd(7)} ${fmt(store[op])}/s  baseline ${fmt(baseline[op])}/s  ratio ${ratio(store[op], baseline[op])}`,
    );
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'damson-bench-store-'));
  const ferret = process.env.MONGODB_URL ? null : startFerretDb();
  const url = process.env.MONGODB_URL ?? ferret!.url;
  try {
    const sqliteBase = await sqliteBaseline(path.join(dir, 'baseline.sqlite'));
    const sqlite = await storeRates({ kind: 'sqlite', file: path.join(dir, 'store.sqlite') });
    const mongoBase = await mongoBaseline(url, `bench_base_${process.pid}`);
    const database = `bench_store_${process.pid}`;
    const mongo = await storeRates({ kind: 'mongodb', url, database });
    console.log(`store benchmark, ${SECONDS} s or ${MAX_OPS} ops per phase, sequential`);
    console.log(`MongoDB server: ${ferret ? 'FerretDB 1.24 (SQLite backend)' : 'MONGODB_URL'}`);
    report('sqlite', sqlite, sqliteBase);
    report('mongodb', mongo, mongoBase);
    for (const op of ['insert', 'read', 'claim'] as const) {
      console.log(`mongodb/sqlite ${op.padEnd(7)} ratio ${ratio(mongo[op], sqlite[op])}`);
    }
    console.log(JSON.stringify({ sqlite, sqliteBase, mongo, mongoBase }));
    const client = new MongoClient(url);
    await client.db(database).dropDatabase();
    await client.close();
  } finally {
    ferret?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
