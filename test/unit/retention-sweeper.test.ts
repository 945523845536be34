import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { RetentionSweeper, type RetentionOptions } from '../../src/scheduler/retention-sweeper';
import type { JobStore, Upload } from '../../src/store/job-store';
import { MongoJobStore } from '../../src/store/mongodb/mongo-job-store';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';
import { jobIn, newJob } from '../contract/job-store-contract';
import {
  describeWithMongo,
  startMongoServer,
  uniqueDatabaseName,
  type MongoServer,
} from '../helpers/ferretdb';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(120_000);

const DAY_MS = 24 * 3600 * 1000;
const MINUTE_MS = 60_000;

interface StoreKind {
  name: string;
  describeOn: jest.Describe;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  open(dir: string): JobStore;
}

const sqlite: StoreKind = {
  name: 'SQLite',
  describeOn: describe,
  setUp: async () => undefined,
  tearDown: async () => undefined,
  open: (dir) => new SqliteJobStore(path.join(dir, 'jobs.sqlite')),
};

function mongo(): StoreKind {
  let server: MongoServer | undefined;
  return {
    name: 'MongoDB (FerretDB)',
    describeOn: describeWithMongo(),
    setUp: async () => {
      server = await startMongoServer();
    },
    tearDown: async () => server?.dispose(),
    open: () => new MongoJobStore({ url: server!.url, database: uniqueDatabaseName() }),
  };
}

function sweeperSuite(kind: StoreKind): void {
  kind.describeOn(`RetentionSweeper on ${kind.name}`, () => {
    let dir: string;
    let store: JobStore;
    const jobsDirectory = (): string => path.join(dir, 'jobs');
    const uploadsDirectory = (): string => path.join(dir, 'uploads');

    beforeAll(() => kind.setUp());
    afterAll(() => kind.tearDown());
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'damson-retention-'));
      mkdirSync(uploadsDirectory());
      store = kind.open(dir);
    });
    afterEach(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function jobWithFiles(state: 'COMPLETED' | 'RUNNING'): Promise<string> {
      const job = newJob();
      mkdirSync(path.join(jobsDirectory(), job.workDir), { recursive: true });
      writeFileSync(path.join(jobsDirectory(), job.workDir, 'stdout'), 'output');
      await jobIn(store, state, job);
      return job.workDir;
    }

    /** A file in the uploads directory last changed `ageMs` ago. */
    function fileAged(name: string, ageMs: number): string {
      const file = path.join(uploadsDirectory(), name);
      writeFileSync(file, `bytes of ${name}`);
      const at = new Date(Date.now() - ageMs);
      utimesSync(file, at, at);
      return file;
    }

    /** A recorded upload, uploaded `ageMs` ago, with its file. */
    async function upload(id: string, ageMs: number): Promise<Upload> {
      const record: Upload = {
        id,
        path: fileAged(id, ageMs),
        mediaType: 'text/plain',
        title: 'input',
        createdAt: new Date(Math.floor((Date.now() - ageMs) / 1000) * 1000),
      };
      await store.insertUpload(record);
      return record;
    }

    const sweeper = (options: Partial<RetentionOptions>): RetentionSweeper =>
      new RetentionSweeper(
        store,
        {
          retentionMs: null,
          uploadRetentionMs: null,
          orphanAgeMs: 10 * MINUTE_MS,
          sweepIntervalMs: 60_000,
          jobsDirectory: jobsDirectory(),
          uploadsDirectory: uploadsDirectory(),
          ...options,
        },
        pino({ level: 'silent' }),
      );

    it('deletes finished jobs past the retention age with their files, and nothing else', async () => {
      const finished = await jobWithFiles('COMPLETED');
      const running = await jobWithFiles('RUNNING');
      expect((await sweeper({ retentionMs: 60_000 }).sweep()).jobs).toBe(0);
      expect(existsSync(path.join(jobsDirectory(), finished))).toBe(true);

      // A negative age puts the cutoff in the future: every finished job is past it.
      expect((await sweeper({ retentionMs: -60_000 }).sweep()).jobs).toBe(1);
      expect(existsSync(path.join(jobsDirectory(), finished))).toBe(false);
      expect(existsSync(path.join(jobsDirectory(), running, 'stdout'))).toBe(true);
      expect((await store.listJobs({ limit: 10 })).jobs.map((j) => j.state)).toEqual(['RUNNING']);
    });

    it('expires a service by its own retention and the rest by the global one, leaving tombstones', async () => {
      const own = await jobIn(store, 'COMPLETED', newJob({ service: 'short' }));
      const other = await jobIn(store, 'COMPLETED', newJob({ service: 'other' }));
      // `short` keeps jobs for -1 minute (all past it), the rest for an hour (none past it).
      const result = await sweeper({
        retentionMs: 60 * MINUTE_MS,
        retentionMsByService: new Map([['short', -MINUTE_MS]]),
      }).sweep();
      expect(result.jobs).toBe(1);
      expect(await store.getJob(own)).toBeNull();
      expect(await store.getJob(other)).not.toBeNull();
      expect(await store.retention.getTombstone(own)).toMatchObject({ service: 'short' });
      // The global rule never takes a service that has its own, even when its own keeps longer.
      const kept = await jobIn(store, 'COMPLETED', newJob({ service: 'long' }));
      await sweeper({
        retentionMs: -MINUTE_MS,
        retentionMsByService: new Map([['long', 60 * MINUTE_MS]]),
      }).sweep();
      expect(await store.getJob(kept)).not.toBeNull();
      expect(await store.getJob(other)).toBeNull();
    });

    it('never removes anything outside the jobs directory', async () => {
      const outside = path.join(dir, 'precious');
      mkdirSync(outside);
      await jobIn(store, 'COMPLETED', newJob({ workDir: '../precious' }));
      expect((await sweeper({ retentionMs: -60_000 }).sweep()).jobs).toBe(1);
      expect(existsSync(outside)).toBe(true);
    });

    it('expires old uploads, record and file, unless an unfinished job uses them', async () => {
      const unused = await upload('expiredunused001', 8 * DAY_MS);
      const usedByPending = await upload('expiredpending01', 8 * DAY_MS);
      const usedByRunning = await upload('expiredrunning01', 8 * DAY_MS);
      const usedByFinished = await upload('expiredfinished1', 8 * DAY_MS);
      const recent = await upload('recentupload0001', 6 * DAY_MS);
      await store.insertJob(newJob({ inputs: { input: usedByPending.path } }));
      await jobIn(store, 'RUNNING', newJob({ inputs: { files: ['x', usedByRunning.path] } }));
      await jobIn(store, 'COMPLETED', newJob({ inputs: { input: usedByFinished.path } }));

      const result = await sweeper({ uploadRetentionMs: 7 * DAY_MS }).sweep();
      expect(result).toEqual({ jobs: 0, uploads: 2, orphans: 0 });
      for (const gone of [unused, usedByFinished]) {
        expect(await store.getUpload(gone.id)).toBeNull();
        expect(existsSync(gone.path)).toBe(false);
      }
      for (const kept of [usedByPending, usedByRunning, recent]) {
        expect(await store.getUpload(kept.id)).toEqual(kept);
        expect(existsSync(kept.path)).toBe(true);
      }
      // Without an upload retention, nothing expires.
      expect((await sweeper({ uploadRetentionMs: null }).sweep()).uploads).toBe(0);
    });

    it('removes old files without a record (partial ones included), and nothing else', async () => {
      const orphan = fileAged('orphanedupload01', 11 * MINUTE_MS);
      const partial = fileAged('.partial-orphanedupload02', 30 * MINUTE_MS);
      const inProgress = fileAged('.partial-stillwriting0003', 1 * MINUTE_MS);
      const recorded = await upload('recordedupload01', 11 * MINUTE_MS);
      mkdirSync(path.join(uploadsDirectory(), '.incoming'));
      const incoming = fileAged('.incoming/leftover000000001', DAY_MS);
      // A directory and a symlink are never an upload: left alone, and so is what they point to.
      const outside = path.join(dir, 'outside.txt');
      writeFileSync(outside, 'precious');
      const link = path.join(uploadsDirectory(), 'linkedoutside001');
      symlinkSync(outside, link);
      mkdirSync(path.join(uploadsDirectory(), 'somedirectory001'));

      const result = await sweeper({ uploadRetentionMs: 7 * DAY_MS }).sweep();
      expect(result.orphans).toBe(3);
      for (const gone of [orphan, partial, incoming]) expect(existsSync(gone)).toBe(false);
      for (const kept of [inProgress, recorded.path, link, outside]) {
        expect(existsSync(kept)).toBe(true);
      }
      expect(existsSync(path.join(uploadsDirectory(), 'somedirectory001'))).toBe(true);
      expect(await store.getUpload(recorded.id)).toEqual(recorded);
    });

    it('never removes a file outside the uploads directory, whatever a record says', async () => {
      const outside = path.join(dir, 'not-an-upload.txt');
      writeFileSync(outside, 'precious');
      await store.insertUpload({
        id: 'pointsoutside001',
        path: outside,
        mediaType: null,
        title: null,
        createdAt: new Date(Date.now() - 30 * DAY_MS),
      });
      await sweeper({ uploadRetentionMs: 7 * DAY_MS }).sweep();
      expect(await store.getUpload('pointsoutside001')).toBeNull();
      expect(existsSync(outside)).toBe(true);
    });

    it('sweeps as soon as it starts', async () => {
      const orphan = fileAged('orphanatstart001', 11 * MINUTE_MS);
      const started = sweeper({ uploadRetentionMs: 7 * DAY_MS });
      started.start();
      try {
        await waitFor(async () => (existsSync(orphan) ? undefined : true), 'the first sweep');
      } finally {
        started.stop();
      }
    });
  });
}

sweeperSuite(sqlite);
sweeperSuite(mongo());
