import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import type { StoreSpec } from '../../bench/store-spec';
import { openStoreSpec } from '../../bench/store-spec';
import { runClaimWorkers } from '../helpers/claim-workers';
import {
  describeWithMongo,
  startMongoServer,
  uniqueDatabaseName,
  type MongoServer,
} from '../helpers/ferretdb';
import { newJob } from './job-store-contract';

const CLAIMERS = 8;
const SQLITE_JOBS = 10_000;
/**
 * FerretDB 1.24 serialises writes through one SQLite file and a claim costs three writes there
 * (see JobWriter): about 60 claims/s with 8 rivals on an idle 2-core machine, 6/s on a loaded
 * one. So `npm test` claims 400 jobs; MONGO_CLAIM_TEST_JOBS=10000 runs the full count.
 */
const MONGO_JOBS = Number(process.env.MONGO_CLAIM_TEST_JOBS) || 400;
jest.setTimeout(Math.max(300_000, MONGO_JOBS * 200));

/** `jobs` PENDING jobs, then 8 processes claim them all at once: each job exactly once. */
async function claimEveryJobOnce(spec: StoreSpec, jobs: number): Promise<void> {
  const store = openStoreSpec(spec);
  try {
    for (let i = 0; i < jobs; i += 100) {
      await Promise.all(Array.from({ length: 100 }, () => store.insertJob(newJob())));
    }
    const perWorker = await runClaimWorkers(spec, CLAIMERS, 8);
    const all = perWorker.flat();
    expect(all).toHaveLength(jobs);
    expect(new Set(all).size).toBe(jobs);
    // Contention really happened: more than one process got a share.
    expect(perWorker.filter((ids) => ids.length > 0).length).toBeGreaterThan(1);
    const active = await store.listActive(jobs + 1);
    expect(active).toHaveLength(jobs);
    expect(active.every((job) => job.state === 'ACCEPTED' && job.attempt === 1)).toBe(true);
    expect((await store.listJobs({ states: ['PENDING'], limit: 1 })).jobs).toEqual([]);
  } finally {
    await store.close();
  }
}

describe('concurrent claims: SQLite', () => {
  it(`${CLAIMERS} processes claim ${SQLITE_JOBS} jobs with no double claim`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'damson-claims-'));
    try {
      await claimEveryJobOnce({ kind: 'sqlite', file: path.join(dir, 'jobs.sqlite') }, SQLITE_JOBS);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithMongo()('concurrent claims: MongoDB', () => {
  let server: MongoServer;
  beforeAll(async () => {
    server = await startMongoServer();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it(`${CLAIMERS} processes claim ${MONGO_JOBS} jobs with no double claim`, async () => {
    const database = uniqueDatabaseName();
    try {
      await claimEveryJobOnce({ kind: 'mongodb', url: server.url, database }, MONGO_JOBS);
    } finally {
      const client = new MongoClient(server.url);
      await client.db(database).dropDatabase();
      await client.close();
    }
  });
});
