import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StoreFileResolver } from '../../src/http/file-resolver';
import { jobDirectoryRelative, newJobId, newUploadId } from '../../src/jobs';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';

const root = mkdtempSync(path.join(tmpdir(), 'damson-resolver-'));
const jobsDir = path.join(root, 'jobs');
const uploadsDir = path.join(root, 'uploads');
const store = new SqliteJobStore(path.join(root, 'store.sqlite'));
const resolver = new StoreFileResolver(store, jobsDir);
let jobId: string;
let otherJobId: string;
let uploadId: string;

async function makeJob(): Promise<string> {
  const id = newJobId();
  await store.insertJob({
    id,
    service: 's',
    inputs: {},
    parameters: {},
    workDir: jobDirectoryRelative(id),
  });
  mkdirSync(path.join(jobsDir, jobDirectoryRelative(id), 'sub'), { recursive: true });
  return id;
}

beforeAll(async () => {
  jobId = await makeJob();
  otherJobId = await makeJob();
  const dir = path.join(jobsDir, jobDirectoryRelative(jobId));
  writeFileSync(path.join(dir, 'out.txt'), 'result');
  writeFileSync(path.join(dir, 'sub', 'deep.txt'), 'deep');
  writeFileSync(path.join(dir, '.damson-exit-1'), '0');
  mkdirSync(path.join(dir, '.damson'));
  writeFileSync(path.join(dir, '.damson', 'engine-1.log'), 'engine');
  writeFileSync(path.join(dir, 'sub', '.damson-exit-2'), '0');
  writeFileSync(path.join(root, 'secret.txt'), 'secret');
  symlinkSync(path.join(root, 'secret.txt'), path.join(dir, 'escape.txt'));
  symlinkSync('/', path.join(dir, 'rootdir'));
  writeFileSync(path.join(jobsDir, jobDirectoryRelative(otherJobId), 'out.txt'), 'other');
  mkdirSync(uploadsDir, { recursive: true });
  uploadId = newUploadId();
  writeFileSync(path.join(uploadsDir, uploadId), 'uploaded');
  await store.insertUpload({
    id: uploadId,
    path: path.join(uploadsDir, uploadId),
    mediaType: null,
    title: null,
    createdAt: new Date(),
  });
});
afterAll(() => store.close());

test('an upload id resolves to the stored file', async () => {
  expect(await resolver.resolve(uploadId)).toEqual({
    path: path.join(uploadsDir, uploadId),
    id: uploadId,
  });
});

test('jobId/path resolves inside that job directory, subdirectories included', async () => {
  const dir = path.join(jobsDir, jobDirectoryRelative(jobId));
  expect(await resolver.resolve(`${jobId}/out.txt`)).toEqual({
    path: path.join(dir, 'out.txt'),
    id: `${jobId}/out.txt`,
  });
  expect((await resolver.resolve(`${jobId}/sub/deep.txt`))?.path).toBe(
    path.join(dir, 'sub', 'deep.txt'),
  );
});

// Hostile file ids; slivka answered malformed ones with HTTP 500.
test.each([
  ['parent traversal', () => `${jobId}/../../../../etc/passwd`],
  ['absolute after the id', () => `${jobId}//etc/passwd`],
  ['encoded dots', () => `${jobId}/%2e%2e/%2e%2e/x`],
  ['into another job', () => `${jobId}/../${otherJobId}/out.txt`],
  ['a symlink leading out', () => `${jobId}/escape.txt`],
  ['through a symlinked directory', () => `${jobId}/rootdir/etc/passwd`],
  ['a directory', () => `${jobId}/sub`],
  ['a missing file', () => `${jobId}/nothing.txt`],
  ['dot segment', () => `${jobId}/./out.txt`],
  ['NUL byte', () => `${jobId}/out.txt\0`],
  ['unknown job', () => `${'A'.repeat(16)}/out.txt`],
  ['malformed job id', () => `abc/out.txt`],
  ['malformed upload id (not base64)', () => 'abc'],
  ['unknown upload id', () => 'AAAAAAAAAAAAAA=='],
  ['empty path', () => `${jobId}/`],
])('%s is not found', async (_name, ref) => {
  expect(await resolver.resolve(ref())).toBeNull();
});

test("the agents' records are not files a job can take as input", async () => {
  for (const relative of ['.damson-exit-1', '.damson/engine-1.log', 'sub/.damson-exit-2'])
    expect(await resolver.resolve(`${jobId}/${relative}`)).toBeNull();
});
