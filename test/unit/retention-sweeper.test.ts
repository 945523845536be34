import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { RetentionSweeper } from '../../src/scheduler/retention-sweeper';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';
import { jobIn, newJob } from '../contract/job-store-contract';

describe('RetentionSweeper', () => {
  let dir: string;
  let store: SqliteJobStore;
  const jobsDirectory = (): string => path.join(dir, 'jobs');

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'damson-retention-'));
    store = new SqliteJobStore(path.join(dir, 'jobs.sqlite'));
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

  const sweeper = (retentionMs: number): RetentionSweeper =>
    new RetentionSweeper(
      store,
      { retentionMs, sweepIntervalMs: 60_000, jobsDirectory: jobsDirectory() },
      pino({ level: 'silent' }),
    );

  it('deletes finished jobs past the retention age with their files, and nothing else', async () => {
    const finished = await jobWithFiles('COMPLETED');
    const running = await jobWithFiles('RUNNING');
    expect(await sweeper(60_000).sweep()).toBe(0);
    expect(existsSync(path.join(jobsDirectory(), finished))).toBe(true);

    // A negative age puts the cutoff in the future: every finished job is past it.
    expect(await sweeper(-60_000).sweep()).toBe(1);
    expect(existsSync(path.join(jobsDirectory(), finished))).toBe(false);
    expect(existsSync(path.join(jobsDirectory(), running, 'stdout'))).toBe(true);
    expect((await store.listJobs({ limit: 10 })).jobs.map((j) => j.state)).toEqual(['RUNNING']);
  });

  it('never removes anything outside the jobs directory', async () => {
    const outside = path.join(dir, 'precious');
    mkdirSync(outside);
    await jobIn(store, 'COMPLETED', newJob({ workDir: '../precious' }));
    expect(await sweeper(-60_000).sweep()).toBe(1);
    expect(existsSync(outside)).toBe(true);
  });
});
