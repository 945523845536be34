import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { jobDirectoryRelative, newJobId, type Job, type JobInputs } from '../../src/jobs';
import { REPO_ROOT } from '../helpers/damson-home';
import { SchedulerHarness } from '../helpers/scheduler-harness';

jest.setTimeout(60_000);

const SERVICES = path.join(REPO_ROOT, 'test/fixtures/launch-services');
const QUOTA = 1024 * 1024;
/** RLIMIT_FSIZE as the wrapper sets it: one 512-byte block past the quota. */
const FILE_LIMIT = (Math.floor(QUOTA / 512) + 1) * 512;

let h: SchedulerHarness;

beforeAll(async () => {
  h = await SchedulerHarness.create({ 'local-agent.output-quota': QUOTA }, SERVICES);
  h.scheduler();
  h.agent();
});

afterAll(async () => {
  await h?.close();
});

async function submit(service: string, inputs: JobInputs = {}): Promise<Job> {
  const id = newJobId();
  return h.store.insertJob({
    id,
    service,
    inputs,
    parameters: {},
    workDir: jobDirectoryRelative(id),
  });
}

/** Bytes of every regular file under `dir` (symlinked inputs not followed). */
function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const at = path.join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(at);
    else if (entry.isFile()) total += statSync(at).size;
  }
  return total;
}

describe('the output quota covers every file a job writes', () => {
  it('stops `yes` at the quota: stdout cannot grow past it at all', async () => {
    const job = await submit('spew');
    const done = await h.waitForState(job.id, ['FAILED', 'COMPLETED', 'ERROR', 'INTERRUPTED']);
    expect(done.state).toBe('FAILED');
    expect(done.reason).toBe(`output quota of ${QUOTA} bytes exceeded`);
    expect(done.attempt).toBe(1);
    const stdout = statSync(path.join(h.jobsDirectory, done.workDir, 'stdout')).size;
    expect(stdout).toBeGreaterThan(QUOTA);
    expect(stdout).toBeLessThanOrEqual(FILE_LIMIT);
  });

  it('stops the words example writing words.txt beyond the quota', async () => {
    // The audit's reproducer: an option smuggled in as a word makes words.txt 6 MB.
    const job = await submit('words', { words: ['--repeat=3000000', 'x'], repeat: '1' });
    const done = await h.waitForState(job.id, ['FAILED', 'COMPLETED', 'ERROR', 'INTERRUPTED']);
    expect(done.state).toBe('FAILED');
    expect(done.reason).toBe(`output quota of ${QUOTA} bytes exceeded`);
    const words = statSync(path.join(h.jobsDirectory, done.workDir, 'words.txt')).size;
    expect(words).toBeLessThanOrEqual(FILE_LIMIT);
  });

  it('adds up many small files in subdirectories and stops the job when they pass the quota', async () => {
    const job = await submit('many-files');
    const done = await h.waitForState(job.id, ['FAILED', 'COMPLETED', 'ERROR', 'INTERRUPTED']);
    expect(done.state).toBe('FAILED');
    expect(done.reason).toBe(`output quota of ${QUOTA} bytes exceeded`);
    const total = directoryBytes(path.join(h.jobsDirectory, done.workDir));
    expect(total).toBeGreaterThan(QUOTA);
    // Written at about 4 MB/s and walked once a second: a few MB over at most, never the
    // 200 MB the job would have written.
    expect(total).toBeLessThan(10 * QUOTA);
  });

  it('leaves a job within the quota alone', async () => {
    const job = await submit('echo', { value: 'hello' });
    const done = await h.waitForState(job.id, ['COMPLETED', 'FAILED', 'ERROR', 'INTERRUPTED']);
    expect(done.state).toBe('COMPLETED');
  });
});
