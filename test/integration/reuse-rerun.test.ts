import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApiClient, FINISHED, type JobBody } from '../helpers/api-client';
import { makeDamsonHome, REPO_ROOT, type DamsonHome } from '../helpers/damson-home';
import { DAMSON_BIN, startDamson, type RunningDamson } from '../helpers/damson-process';

jest.setTimeout(90_000);

const run = promisify(execFile);
const SERVICES = path.join(REPO_ROOT, 'test/fixtures/reuse-services');
const ADMIN = 'admin-token-0123456789abcdef';
const USER = 'user-token-0123456789abcdef';

let home: DamsonHome;
let damson: RunningDamson;
let api: ApiClient;

beforeAll(async () => {
  home = await makeDamsonHome(
    {
      'api.tokens': [
        { name: 'ops', token: ADMIN, scopes: ['admin'] },
        { name: 'someone', token: USER },
      ],
    } as unknown as Record<string, string>,
    SERVICES,
  );
  damson = await startDamson(home);
  api = new ApiClient(home.baseUrl);
});

afterAll(async () => {
  await damson?.stop();
});

type Dumped = { argv: string[]; env: Record<string, string> };
type DryRun = { argv: string[]; environment: string[]; files: unknown[]; runner: string };

const post = <T>(url: string, body: unknown, headers: Record<string, string> = {}) =>
  api.json<T>(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

async function dumpedArgv(id: string): Promise<Dumped> {
  const done = await api.waitForState(id, FINISHED);
  expect(done.status).toBe('COMPLETED');
  const file = (await api.files(id)).find((f) => f.path === 'argv.json');
  return JSON.parse(await api.bytes(file!['@content'])) as Dumped;
}

let original: JobBody & { rerunOf?: string };
let originalRun: Dumped;
let uploadId: string;
const values = { name: 'two words "quoted" $(x)', count: 3, mode: 'slow', verbose: true };

describe('dry run, rerun and bulk rerun against real processes', () => {
  it('a dry run answers the exact argv the job then runs with', async () => {
    const form = new FormData();
    form.append('file', new Blob(['input bytes\n']), 'in.txt');
    const upload = await api.json<{ id: string }>('/api/files', { method: 'POST', body: form });
    uploadId = upload.body.id;
    const withFile = { ...values, input: uploadId };
    const dry = await post<DryRun>('/api/services/echo-args/jobs?dry-run=true', withFile);
    expect(dry.status).toBe(200);
    expect(dry.body.files).toEqual([
      { parameter: 'input', id: uploadId, path: `uploads/${uploadId}` },
    ]);
    const real = await post<JobBody>('/api/services/echo-args/jobs', withFile);
    expect(real.status).toBe(202);
    original = real.body;
    originalRun = await dumpedArgv(original.id);
    expect(dry.body.argv.slice(0, 2)).toEqual(['node', '$DAMSON_HOME/services/argv-dump.js']);
    expect(dry.body.argv.slice(2)).toEqual(originalRun.argv);
    expect(originalRun.argv).toContain('input.txt');
    for (const name of dry.body.environment) expect(Object.keys(originalRun.env)).toContain(name);
    expect(dry.body.environment).toContain('TOOL_SETTING');
  });

  it('damson check --argv prints the same argv, with paths and environment values', async () => {
    const local = path.join(home.home, 'local-input.txt');
    writeFileSync(local, 'input bytes\n');
    const pairs = Object.entries(values).map(([k, v]) => `${k}=${String(v)}`);
    const { stdout } = await run(
      process.execPath,
      [DAMSON_BIN, 'check', '--argv', 'echo-args', ...pairs, `input=${local}`],
      { env: { ...process.env, DAMSON_HOME: home.home, SLIVKA_HOME: '' } },
    );
    const printed = JSON.parse(stdout) as { argv: string[]; env: Record<string, string> };
    expect(printed.argv).toEqual([
      'node',
      path.join(home.home, 'services/argv-dump.js'),
      ...originalRun.argv,
    ]);
    expect(printed.env.TOOL_SETTING).toBe(originalRun.env.TOOL_SETTING);
    await expect(
      run(process.execPath, [DAMSON_BIN, 'check', '--argv', 'echo-args', 'count=10'], {
        env: { ...process.env, DAMSON_HOME: home.home, SLIVKA_HOME: '' },
      }),
    ).rejects.toMatchObject({ code: 1, stdout: expect.stringContaining('error: count:') });
  });

  it('a rerun with an override changes that value only; its input file is the same upload', async () => {
    const rerun = await post<JobBody & { rerunOf: string }>(`/api/jobs/${original.id}/rerun`, {
      name: 'changed',
    });
    expect(rerun.status).toBe(202);
    expect(rerun.body.rerunOf).toBe(original.id);
    expect(rerun.body.parameters).toEqual({ ...original.parameters, name: 'changed' });
    expect(rerun.body.parameters.input).toBe(uploadId);
    const rerunRun = await dumpedArgv(rerun.body.id);
    const at = originalRun.argv.indexOf(`--name=${values.name}`);
    expect(at).toBeGreaterThanOrEqual(0);
    const expected = [...originalRun.argv];
    expected[at] = '--name=changed';
    expect(rerunRun.argv).toEqual(expected);
    const missing = await post('/api/jobs/NoSuchJob0000000/rerun', {});
    expect(missing.status).toBe(404);
    // Hostile overrides: prototype keys are just unknown fields; a bad value is a 422 naming it.
    const proto = await post<JobBody>(
      `/api/jobs/${original.id}/rerun`,
      JSON.parse('{"__proto__": "x", "constructor": "y"}'),
    );
    expect(proto.status).toBe(202);
    expect(proto.body.parameters).toEqual(original.parameters);
    expect((await api.waitForState(proto.body.id, FINISHED)).status).toBe('COMPLETED');
    const invalid = await post<{ errors: { parameter: string }[] }>(
      `/api/jobs/${original.id}/rerun`,
      { count: 99 },
    );
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors.map((e) => e.parameter)).toEqual(['count']);
    expect((await post('/api/services/echo-args/jobs?dry-run=maybe', values)).status).toBe(400);
  });

  it('bulk rerun needs the admin scope, counts first, then reruns what it counted', async () => {
    const url = '/api/jobs/rerun?service=echo-args&status=COMPLETED';
    expect((await post(`${url}&dry-run=true`, {})).status).toBe(401);
    const asUser = await post(`${url}&dry-run=true`, {}, { authorization: `Bearer ${USER}` });
    expect(asUser.status).toBe(403);
    const admin = { authorization: `Bearer ${ADMIN}` };
    const count = await post<{ matched: number; max: number }>(`${url}&dry-run=true`, {}, admin);
    expect(count.status).toBe(200);
    expect(count.body).toMatchObject({ matched: 3, max: 100 });
    const bulk = await post<{ rerun: (JobBody & { rerunOf: string })[]; failed: unknown[] }>(
      url,
      {},
      admin,
    );
    expect(bulk.status).toBe(202);
    expect(bulk.body.failed).toEqual([]);
    expect(bulk.body.rerun.map((j) => j.rerunOf).sort()).toHaveLength(3);
    expect(bulk.body.rerun.map((j) => j.rerunOf)).toContain(original.id);
    for (const job of bulk.body.rerun) {
      expect((await api.waitForState(job.id, FINISHED)).status).toBe('COMPLETED');
    }
    const bad = await post(`/api/jobs/rerun?status=NOPE`, {}, admin);
    expect(bad.status).toBe(400);
  });
});
