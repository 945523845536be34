import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { MongoJobStore } from '../../src/store/mongodb/mongo-job-store';
import { REPO_ROOT } from './damson-home';

const run = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, 'scripts/ferretdb.sh');
const CACHE = process.env.DAMSON_CACHE || path.join(homedir(), '.cache/damson');
const POSTGRES_BIN = path.join(
  process.env.DAMSON_POSTGRES_BIN || '/usr/lib/postgresql/15/bin',
  'postgres',
);

/**
 * FerretDB's backend for the suites: PostgreSQL (its default, as deployed; scripts/postgres.sh starts
 * a private cluster) unless DAMSON_FERRETDB_HANDLER=sqlite asks for the SQLite smoke backend.
 */
export const FERRETDB_HANDLER =
  process.env.DAMSON_FERRETDB_HANDLER === 'sqlite' ? 'sqlite' : 'postgresql';

export const MONGO_SKIP_MESSAGE =
  'MongoDB store tests SKIPPED: no MongoDB-wire server. Set MONGODB_URL=mongodb://host:port/ to ' +
  'use one, or install Go and PostgreSQL 15 (scripts/ci-deps.sh ferretdb) so scripts/ferretdb.sh ' +
  'can build and start FerretDB (CI always runs them).';

/**
 * Whether the MongoDB suites can run here: MONGODB_URL, or a cached FerretDB build (or Go to build
 * one) and, for the PostgreSQL backend, PostgreSQL's binaries. In CI the answer is always yes, so a missing server fails the suite instead of skipping it.
 */
export function mongoAvailable(): boolean {
  if (process.env.CI === 'true' || process.env.MONGODB_URL) return true;
  const built =
    existsSync(path.join(CACHE, 'bin/ferretdb')) ||
    spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
  return built && (FERRETDB_HANDLER === 'sqlite' || existsSync(POSTGRES_BIN));
}

/** `describe` when a MongoDB-wire server can be had, else a skip with a message saying why. */
export function describeWithMongo(): jest.Describe {
  if (mongoAvailable()) return describe;
  process.stderr.write(`\n${MONGO_SKIP_MESSAGE}\n\n`);
  return describe.skip;
}

export interface MongoServer {
  url: string;
  /** Stops the server; with a kept state directory the data survives for `start()`. */
  stop(): Promise<void>;
  /** Starts it again on the same port (only for servers this helper started). */
  start(): Promise<void>;
  /** Stops it and removes everything it wrote. */
  dispose(): Promise<void>;
}

export interface FerretDbOptions {
  /** Keep the data in this directory across stop/start (default: a fresh one per start). */
  keepState?: boolean;
}

/**
 * MONGODB_URL when set, else a private FerretDB (scripts/ferretdb.sh) with its own run directory,
 * so suites in parallel jest workers never share an instance or a pidfile.
 */
export async function startMongoServer(options: FerretDbOptions = {}): Promise<MongoServer> {
  const external = process.env.MONGODB_URL;
  if (external) {
    const noop = async (): Promise<void> => undefined;
    return { url: external, stop: noop, start: noop, dispose: noop };
  }
  const runDir = mkdtempSync(path.join(tmpdir(), 'damson-ferretdb-'));
  // A throwaway cluster: fsync and synchronous commit off save CI time; a crash of the machine,
  // the only thing they guard against, ends the test run anyway.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DAMSON_RUN: runDir,
    DAMSON_FERRETDB_HANDLER: FERRETDB_HANDLER,
    DAMSON_POSTGRES_DURABLE: '0',
  };
  if (options.keepState) env.DAMSON_FERRETDB_STATE = path.join(runDir, 'data');
  const script = async (...args: string[]): Promise<string> =>
    (await run(SCRIPT, args, { env, timeout: 600_000 })).stdout.trim();
  const url = await script('start');
  const port = new URL(url).port;
  return {
    url,
    stop: async () => void (await script('stop')),
    start: async () => void (await script('start', port)),
    dispose: async () => {
      await script('stop');
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}

/** A fresh database name, so tests never see each other's data. */
export function uniqueDatabaseName(prefix = 'damson_test'): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
}

/** Stores on fresh databases of one suite's server, and the server's address. */
export interface MongoStoreFactory {
  (): Promise<MongoJobStore>;
  /** The server's URL (after beforeAll). */
  url(): string;
  /** A fresh database name, dropped with the others after the suite. */
  database(): string;
}

/**
 * For contract suites: call inside a describe. Starts a MongoDB-wire server for the suite and
 * returns a factory of stores, each on a fresh database that is dropped afterwards.
 */
export function mongoStoreFactory(): MongoStoreFactory {
  let server: MongoServer | undefined;
  const databases: string[] = [];
  beforeAll(async () => {
    server = await startMongoServer();
  });
  afterAll(async () => {
    if (!server) return;
    const client = new MongoClient(server.url);
    for (const name of databases) await client.db(name).dropDatabase();
    await client.close();
    await server.dispose();
  });
  const url = (): string => {
    if (!server) throw new Error('the MongoDB-wire server did not start');
    return server.url;
  };
  const database = (): string => {
    const name = uniqueDatabaseName();
    databases.push(name);
    return name;
  };
  return Object.assign(async () => new MongoJobStore({ url: url(), database: database() }), {
    url,
    database,
  });
}
