import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { jobDirectoryRelative, newJobId } from '../../src/jobs';
import { prepareJobDirectory } from '../../src/runners/prepare-job-directory';
import { buildCommandRecord } from '../../src/services/command/command-record';
import { startApiApp, type ApiApp } from '../helpers/api-app';

/** `GET /api/jobs/{id}/command`: the argv and environment names a job ran with (Damson). */
let app: ApiApp;

async function newJob(): Promise<{ id: string; dir: string }> {
  const id = newJobId();
  await app.store.insertJob({
    id,
    service: 'words',
    inputs: {},
    parameters: {},
    workDir: jobDirectoryRelative(id),
  });
  return { id, dir: path.join(app.settings.directories.jobs, jobDirectoryRelative(id)) };
}

const get = (id: string) => fetch(`${app.baseUrl}/api/jobs/${id}/command`);

beforeAll(async () => {
  app = await startApiApp();
});
afterAll(async () => {
  await app?.close();
});

test('before the job starts: 404 saying the command is recorded when it starts', async () => {
  const { id } = await newJob();
  const res = await get(id);
  expect(res.status).toBe(404);
  expect(await res.json()).toMatchObject({ error: { code: 'command_not_recorded' } });
});

test('once the agent prepared the directory: argv and environment names, never values', async () => {
  const { id, dir } = await newJob();
  const service = app.ctx.catalog.get('words')!;
  const host = { processEnv: { PATH: '/usr/bin:/bin' }, home: app.home.home };
  const runner = { ...service.runners[0], env: { API_TOKEN: 'secret-value-42' } };
  const record = buildCommandRecord(service, runner, { words: ['a b', '$HOME'] }, host);
  const argv = record.argv;
  await prepareJobDirectory(dir, [], { argv, env: { PATH: '/bin', API_TOKEN: 'secret-value-42' } });
  const res = await get(id);
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(JSON.parse(text)).toEqual({ argv, env: ['API_TOKEN', 'PATH'] });
  expect(text).not.toContain('secret-value-42');
  expect(argv).toEqual(expect.arrayContaining(['a b', '$HOME']));
  expect(record.env).toEqual(expect.arrayContaining(['API_TOKEN', 'PATH']));
  expect(readFileSync(path.join(dir, '.command.json'), 'utf8')).not.toContain('secret');
});

test('a link planted in place of the record is neither written through nor read', async () => {
  const { id, dir } = await newJob();
  mkdirSync(dir, { recursive: true });
  const victim = path.join(app.home.home, 'victim.json');
  writeFileSync(victim, JSON.stringify({ argv: ['other', 'job'], env: [] }));
  symlinkSync(victim, path.join(dir, '.command.json'));
  await expect(prepareJobDirectory(dir, [], { argv: ['x'], env: {} })).rejects.toThrow();
  expect(JSON.parse(readFileSync(victim, 'utf8'))).toEqual({ argv: ['other', 'job'], env: [] });
  expect((await get(id)).status).toBe(404);
});

test('an unknown or malformed job id is a 404', async () => {
  expect((await get('AAAAAAAAAAAAAAAA')).status).toBe(404);
  expect((await get('..%2F..')).status).toBe(404);
});
