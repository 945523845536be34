import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { jobDirectoryRelative, newJobId } from '../../src/jobs';
import { startApiApp, type ApiApp } from '../helpers/api-app';
import { multipartBody, rawRequest } from '../helpers/raw-http';
import { rawTargetRequest } from '../helpers/raw-target';

/**
 * F1 of the security audit: `/media/jobs/*` and `/media/uploads/*` (server.media: app) serve only
 * files inside a real job's directory or a recorded upload. Every path is sent raw (the request
 * target exactly as written), so no client normalises `..` or decodes `%2F` on the way.
 */
let app: ApiApp;
let job: { id: string; workDir: string };
let homeName: string;
let uploadContent: string;
const SECRET_ENV = `damson-env-secret-${newJobId()}`;

beforeAll(async () => {
  process.env.DAMSON_MEDIA_TEST_SECRET = SECRET_ENV;
  app = await startApiApp();
  homeName = path.basename(app.home.home);
  const id = newJobId();
  job = await app.store.insertJob({
    id,
    service: 'words',
    inputs: {},
    parameters: {},
    workDir: jobDirectoryRelative(id),
  });
  const dir = path.join(app.settings.directories.jobs, job.workDir);
  mkdirSync(path.join(dir, 'sub'), { recursive: true });
  mkdirSync(path.join(dir, '.damson'));
  writeFileSync(path.join(dir, 'stdout'), 'the output\n');
  writeFileSync(path.join(dir, 'sub', 'nested.txt'), 'nested\n');
  writeFileSync(path.join(dir, '.damson-exit-1'), '0');
  writeFileSync(path.join(dir, '.damson', 'engine-1.log'), 'engine');
  // A tool can leave symlinks in its own directory; they must not lead out of it.
  symlinkSync(path.join(app.home.home, 'settings.yaml'), path.join(dir, 'settings-link'));
  symlinkSync(app.home.home, path.join(dir, 'home-link'));
  const { contentType, body } = multipartBody([
    { name: 'file', filename: 'in.txt', value: 'uploaded bytes\n' },
  ]);
  const up = await rawRequest(
    `${app.baseUrl}/api/files`,
    'POST',
    { 'content-type': contentType },
    body,
  );
  expect(up.status).toBe(201);
  uploadContent = up.json<{ '@content': string }>()['@content'];
});
afterAll(async () => {
  delete process.env.DAMSON_MEDIA_TEST_SECRET;
  await app?.close();
});

const get = (target: string) => rawTargetRequest(app.baseUrl, target);

/** Bytes no response may ever contain: the files and values a traversal would reach. */
function secrets(): string[] {
  return [
    readFileSync(path.join(app.home.home, 'settings.yaml'), 'utf8').trim(),
    'SQLite format 3',
    'root:x:0:0',
    SECRET_ENV,
  ];
}

async function expectRefused(target: string): Promise<void> {
  const res = await get(target);
  expect({ target, status: res.status }).toEqual({ target, status: 404 });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.json()).toEqual({ error: { code: 'not_found', message: 'file not found' } });
  for (const secret of secrets()) expect(res.text).not.toContain(secret);
}

describe('the audit F1 reproducers get 404 JSON and no bytes', () => {
  const dots = (n: number) => Array.from({ length: n }, () => '..%2F').join('');
  const cases: [string, () => string][] = [
    ['literal .. to settings.yaml', () => `/media/jobs/../../../${homeName}/settings.yaml`],
    ['literal .. to the SQLite file', () => `/media/jobs/../../../${homeName}/data/damson.sqlite`],
    [
      'literal .. to the SQLite -wal file',
      () => `/media/jobs/../../../${homeName}/data/damson.sqlite-wal`,
    ],
    ['%2F-encoded .. to /etc/passwd', () => `/media/jobs/${dots(8)}etc/%2E/%2E/passwd`],
    ['%2F-encoded .. to /proc/self/environ', () => `/media/jobs/${dots(8)}proc/self/%2E/environ`],
    ['%2E%2E segments', () => `/media/jobs/%2E%2E/%2E%2E/%2E%2E/${homeName}/settings.yaml`],
    ['%2e%2e lower case', () => `/media/jobs/%2e%2e/%2e%2e/%2e%2e/${homeName}/settings.yaml`],
    ['%5C-encoded backslashes', () => `/media/jobs/..%5C..%5C..%5C/x/${homeName}/settings.yaml`],
    ['.. after a real job directory', () => `/media/jobs/${job.workDir}/../../../../settings.yaml`],
    [
      '%2F-encoded .. after a real job directory',
      () => `/media/jobs/${job.workDir}/..%2F..%2F..%2F..%2Fsettings.yaml`,
    ],
    ['%2F inside a file name', () => `/media/jobs/${job.workDir}/sub%2Fnested.txt`],
    ['%5C inside a file name', () => `/media/jobs/${job.workDir}/sub%5Cnested.txt`],
    ['a literal backslash', () => `/media/jobs/${job.workDir}/sub\\nested.txt`],
    ['a NUL byte', () => `/media/jobs/${job.workDir}/stdout%00.txt`],
    ['an empty segment', () => `/media/jobs/${job.workDir}//stdout`],
    ['a . segment', () => `/media/jobs/${job.workDir}/./stdout`],
    ['a symlink to settings.yaml inside the job', () => `/media/jobs/${job.workDir}/settings-link`],
    [
      'a symlink to the home inside the job',
      () => `/media/jobs/${job.workDir}/home-link/settings.yaml`,
    ],
    ['an agent record', () => `/media/jobs/${job.workDir}/.damson-exit-1`],
    ['the agents directory', () => `/media/jobs/${job.workDir}/.damson/engine-1.log`],
    ['the job directory itself', () => `/media/jobs/${job.workDir}/`],
    [
      'a well-formed directory of no job',
      () => `/media/jobs/${jobDirectoryRelative(newJobId())}/stdout`,
    ],
    [
      'the right id in the wrong layout',
      () => `/media/jobs/${job.id.slice(0, 2)}/${job.id.slice(2, 4)}/${job.id.slice(4)}/stdout`,
    ],
    ['an upload traversal', () => `/media/uploads/../../${homeName}/settings.yaml`],
    ['an encoded upload traversal', () => `/media/uploads/..%2F..%2F${homeName}%2Fsettings.yaml`],
    ['an upload id that was never recorded', () => `/media/uploads/${newJobId()}`],
  ];
  it.each(cases)('%s', async (_name, target) => {
    await expectRefused(target());
  });

  it('the store and settings files really are where the payloads point', () => {
    // Guards the payloads above: a refusal must not come from a wrong guess of the layout.
    const home = app.home.home;
    expect(app.settings.directories.jobs).toBe(path.join(home, 'media/jobs'));
    expect(app.settings.store).toMatchObject({ file: path.join(home, 'data/damson.sqlite') });
  });
});

describe('what the routes still serve', () => {
  it('a job file and a nested one, from the URL the API gives', async () => {
    const out = await get(`/media/jobs/${job.workDir}/stdout`);
    expect(out.status).toBe(200);
    expect(out.text).toBe('the output\n');
    const nested = await get(`/media/jobs/${job.workDir}/sub/nested.txt`);
    expect(nested.status).toBe(200);
    expect(nested.text).toBe('nested\n');
  });

  it('a recorded upload', async () => {
    const res = await get(uploadContent);
    expect(res.status).toBe(200);
    expect(res.text).toBe('uploaded bytes\n');
  });
});
