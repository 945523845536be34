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
 * Every FerretDB command costs milliseconds, and a claim's queue read grows with the queue (FerretDB
 * applies a limit in PostgreSQL only to unfiltered finds; on its SQLite backend every write by _id
 * also scans the collection). 10,000 jobs claimed once did not finish in 2,000 s on the loaded
 * 2-core development machine, so claiming every job once runs on 400 jobs here
 * (MONGO_CLAIM_TEST_JOBS=10000 runs the full count), and the 10,000-claim test below claims and
 * releases a small pool of jobs instead, on both stores (574 s for it there on FerretDB's
 * PostgreSQL backend, under a load average of about 20).
 */
const MONGO_JOBS = Number(process.env.MONGO_CLAIM_TEST_JOBS) || 400;
const RELEASE_CLAIMS = 10_000;
/** Small enough for FerretDB's scans, big enough that 8 claimers holding 2 each never starve. */
const RELEASE_POOL = 64;
jest.setTimeout(Math.max(1_800_000, MONGO_JOBS * 200));

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

/**
 * 8 processes make `claims` claims between them on a pool of jobs, releasing each claimed job
 * back to PENDING with its fencing token (as a retry does) so it is claimed again. A double claim
 * would show as a refused release (the job was claimed again while held), as one attempt of a job
 * handed out twice, or as a job that no claim can reach any more.
 */
async function claimAndReleaseConcurrently(spec: StoreSpec, claims: number): Promise<void> {
  const store = openStoreSpec(spec);
  try {
    const ids = new Set<string>();
    for (let i = 0; i < RELEASE_POOL; i++) ids.add((await store.insertJob(newJob())).id);
    const perWorker = await runClaimWorkers(spec, CLAIMERS, 2, claims / CLAIMERS);
    const lines = perWorker.flat();
    expect(lines.filter((line) => line.startsWith('refused'))).toEqual([]);
    expect(lines).toHaveLength(claims);
    expect(perWorker.every((worker) => worker.length === claims / CLAIMERS)).toBe(true);
    const attempts = new Map<string, number[]>();
    const tokens = new Map<string, Set<string>>();
    for (const line of lines) {
      const [id, attempt, token] = line.split(' ');
      attempts.set(id, [...(attempts.get(id) ?? []), Number(attempt)]);
      tokens.set(id, (tokens.get(id) ?? new Set()).add(token));
    }
    let total = 0;
    for (const id of ids) {
      const job = await store.getJob(id);
      const seen = (attempts.get(id) ?? []).sort((a, b) => a - b);
      // Each attempt of each job went to exactly one claimer, and every claim bumped the count.
      expect(seen).toEqual(Array.from({ length: job?.attempt ?? 0 }, (_, i) => i + 1));
      expect(tokens.get(id)?.size ?? 0).toBe(seen.length);
      expect(job?.state).toBe('PENDING');
      total += seen.length;
    }
    expect(total).toBe(claims);
    expect(await store.staleWriteCount()).toBe(0);
    // Nothing fell out of the claim order: every job is counted and claimable once more.
    expect((await store.pendingSummary()).services).toEqual([
      { service: 'head', due: RELEASE_POOL },
    ]);
    const last = await store.claimPending('final', 60_000, RELEASE_POOL + 1);
    expect(new Set(last.map((job) => job.id))).toEqual(ids);
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

  it(`${CLAIMERS} processes make ${RELEASE_CLAIMS} claims, releasing each, with no double claim`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'damson-claims-'));
    try {
      await claimAndReleaseConcurrently(
        { kind: 'sqlite', file: path.join(dir, 'jobs.sqlite') },
        RELEASE_CLAIMS,
      );
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

  const withDatabase = async (test: (spec: StoreSpec) => Promise<void>): Promise<void> => {
    const database = uniqueDatabaseName();
    try {
      await test({ kind: 'mongodb', url: server.url, database });
    } finally {
      const client = new MongoClient(server.url);
      await client.db(database).dropDatabase();
      await client.close();
    }
  };

  it(`${CLAIMERS} processes claim ${MONGO_JOBS} jobs with no double claim`, () =>
    withDatabase((spec) => claimEveryJobOnce(spec, MONGO_JOBS)));

  it(`${CLAIMERS} processes make ${RELEASE_CLAIMS} claims, releasing each, with no double claim`, () =>
    withDatabase((spec) => claimAndReleaseConcurrently(spec, RELEASE_CLAIMS)));
});
