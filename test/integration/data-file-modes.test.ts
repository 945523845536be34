import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { jobDirectoryRelative, newJobId } from '../../src/jobs';
import { openClusterJournal } from '../../src/runners/cluster/cluster-journal';
import { openLocalJournal } from '../../src/runners/local/local-journal';
import { prepareJobDirectory } from '../../src/runners/prepare-job-directory';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';
import { startApiApp, type ApiApp } from '../helpers/api-app';
import { multipartBody, rawRequest } from '../helpers/raw-http';

/**
 * F13 of the security audit: under the common umask 022 the SQLite file, the uploads and the job
 * directories were created 0644/0755, readable by every local user. Everything Damson creates
 * for its data is now 0700 (directories) or 0600 (files), checked on real files.
 */
const modeOf = (file: string): string => (statSync(file).mode & 0o777).toString(8);

let app: ApiApp;
let umaskBefore: number;

beforeAll(async () => {
  umaskBefore = process.umask(0o022);
  app = await startApiApp();
});
afterAll(async () => {
  await app?.close();
  process.umask(umaskBefore);
});

async function upload(bytes: number): Promise<string> {
  const { contentType, body } = multipartBody([
    { name: 'file', filename: 'in.txt', value: 'x'.repeat(bytes) },
  ]);
  const res = await rawRequest(
    `${app.baseUrl}/api/files`,
    'POST',
    { 'content-type': contentType },
    body,
  );
  expect(res.status).toBe(201);
  return res.json<{ id: string }>().id;
}

it('the data, logs, uploads and jobs directories are 0700', () => {
  const { data, logs, uploads, jobs } = app.settings.directories;
  for (const directory of [data, logs, uploads, jobs, path.dirname(jobs)])
    expect({ directory, mode: modeOf(directory) }).toEqual({ directory, mode: '700' });
});

it('the SQLite file and its -wal and -shm files are 0600', async () => {
  const id = newJobId();
  await app.store.insertJob({
    id,
    service: 'words',
    inputs: {},
    parameters: {},
    workDir: jobDirectoryRelative(id),
  });
  const file = path.join(app.settings.directories.data, 'damson.sqlite');
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    expect(existsSync(f)).toBe(true);
    expect({ f, mode: modeOf(f) }).toEqual({ f, mode: '600' });
  }
});

it('a store file an older version left world-readable is made private when opened', async () => {
  const file = path.join(app.home.home, 'old', 'damson.sqlite');
  const first = new SqliteJobStore(file);
  await first.close();
  chmodSync(file, 0o644);
  const again = new SqliteJobStore(file);
  expect(modeOf(file)).toBe('600');
  await again.close();
});

// Private to the owner, and read-only: an upload's bytes are shared by every upload of the same
// content (hard links), so no one may write to them through one name.
it('uploaded files are 0400, small (written whole) and large (streamed)', async () => {
  for (const bytes of [10, 200 * 1024]) {
    const id = await upload(bytes);
    const file = path.join(app.settings.directories.uploads, id);
    expect({ bytes, mode: modeOf(file) }).toEqual({ bytes, mode: '400' });
  }
});

it('a job directory made by the agent is 0700', async () => {
  const input = path.join(app.home.home, 'input.txt');
  writeFileSync(input, 'x');
  const cwd = path.join(app.settings.directories.jobs, jobDirectoryRelative(newJobId()));
  await prepareJobDirectory(cwd, [{ name: 'input.txt', target: input }]);
  expect(modeOf(cwd)).toBe('700');
  expect(modeOf(path.dirname(cwd))).toBe('700');
});

it("the agents' journals (job ids and directories) are 0600", () => {
  const local = path.join(app.settings.directories.data, 'agent.journal');
  const cluster = path.join(app.settings.directories.data, 'cluster.journal');
  const journals = [openLocalJournal(local), openClusterJournal(cluster)];
  // Opened again: the second open compacts into a new file.
  for (const journal of journals) journal.close();
  openLocalJournal(local).close();
  for (const file of [local, cluster])
    expect({ file, mode: modeOf(file) }).toEqual({ file, mode: '600' });
});
