import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiClient, FINISHED } from '../helpers/api-client';
import { REPO_ROOT, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { freePort } from '../helpers/free-port';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(60_000);

const PROJECT = path.join(REPO_ROOT, 'test/fixtures/services/slivka-project');

let home: DamsonHome;
let damson: RunningDamson;
let api: ApiClient;

/**
 * The slivka project is copied as it is; only its fixed ports are swapped for free ones so that
 * tests can run side by side (and the wake socket, which slivka does not have, gets one too).
 */
beforeAll(async () => {
  // slivka's example runs `python`, unchanged; say so plainly rather than fail obscurely.
  const python = spawnSync('python', ['--version'], { encoding: 'utf8' });
  if (python.status !== 0) throw new Error('this test needs `python` (3.x) on PATH, as slivka did');
  const dir = mkdtempSync(path.join(tmpdir(), 'slivka-project-'));
  cpSync(PROJECT, dir, { recursive: true });
  const [port, agents, wake, changes] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const settingsFile = path.join(dir, 'settings.yaml');
  const settings = readFileSync(settingsFile, 'utf8')
    .replace('127.0.0.1:4040', `127.0.0.1:${port}`)
    .replace('tcp://127.0.0.1:4041', `tcp://127.0.0.1:${agents}`);
  writeFileSync(
    settingsFile,
    `${settings}scheduler.wake-address: tcp://127.0.0.1:${wake}\n` +
      `scheduler.changes-address: tcp://127.0.0.1:${changes}\n`,
  );
  home = { home: dir, port, baseUrl: `http://127.0.0.1:${port}` };
  damson = await startDamson(home);
  api = new ApiClient(home.baseUrl);
});

afterAll(async () => {
  await damson?.stop();
});

test('the example service is offered with slivka’s parameter descriptions', async () => {
  const { body } = await api.json<{ services: Record<string, unknown>[] }>('/api/services');
  expect(body.services.map((s) => s.id)).toEqual(['example']);
  const example = body.services[0] as {
    parameters: Record<string, unknown>[];
    classifiers: string[];
  };
  expect(example.classifiers).toEqual(['Topic=Example', 'Category=Tutorials', 'Show=False']);
  expect(example.parameters.find((p) => p.id === 'delay')).toMatchObject({
    type: 'integer',
    required: false,
    default: 0,
    min: 0,
    max: 10,
  });
  expect(example.parameters.find((p) => p.id === 'letter')).toMatchObject({
    type: 'choice',
    choices: ['alpha', 'bravo', 'charlie', 'delta'],
  });
});

test('a job runs the example script with slivka’s command line', async () => {
  const form = new FormData();
  form.append('input-file', new Blob(['a\nb\nc\n']), 'in.txt');
  form.append('rep', '0');
  form.append('rep', '1');
  form.append('letter', 'bravo');
  form.append('flag', 'yes');
  form.append('opt', 'short');
  form.append('arg', 'foo bar');
  const submitted = await api.submit('example', form);
  expect(submitted.status).toBe(202);
  expect(submitted.body.parameters).toMatchObject({
    letter: 'bravo',
    rep: ['0', '1'],
    flag: 'true',
  });
  const done = await api.waitForState(submitted.body.id, FINISHED, 30_000);
  expect(done.status).toBe('COMPLETED');
  const files = await api.files(done.id);
  expect(files.map((f) => [f.path, f.label]).sort()).toEqual([
    ['output.txt', 'Output file'],
    ['rep.0.txt', 'Rep parameter output'],
    ['rep.1.txt', 'Rep parameter output'],
    ['stderr', 'Error Log'],
    ['stdout', 'Standard Log'],
  ]);
  const output = await api.bytes(files.find((f) => f.path === 'output.txt')?.['@content'] ?? '');
  // --infile input.txt (symlinked), --rep 0,1, --letter B, --flag, --threads from the runner's
  // consts, then -- and the positional value as one argument.
  expect(output).toBe(
    [
      'arg=foo bar',
      'delay=0',
      'flag=True',
      'infile=input.txt',
      'letter=B',
      'opt=short',
      'rep=0,1',
      'threads=1',
      'infile-lines=3',
      '',
    ].join('\n'),
  );
});

test('invalid values get slivka’s error codes', async () => {
  const { status, body } = await api.json<{ errors: unknown[] }>('/api/services/example/jobs', {
    method: 'POST',
    body: new URLSearchParams({ delay: '11', letter: 'B', opt: 'x'.repeat(25) }),
  });
  expect(status).toBe(422);
  expect(body.errors).toEqual([
    { parameter: 'opt', errorCode: 'max_length', message: 'Value is too long. Max 24 characters' },
    { parameter: 'rep', errorCode: 'required', message: 'Field is required' },
    {
      parameter: 'delay',
      errorCode: 'max_value',
      message: 'Value must be less than or equal to 10',
    },
    {
      parameter: 'letter',
      errorCode: 'invalid',
      message: 'Value "B" is not one of the available choices.',
    },
    { parameter: 'arg', errorCode: 'required', message: 'Field is required' },
  ]);
});

test('the service tests run and set the service status', async () => {
  const status = await waitFor(
    async () => {
      const { body } = await api.json<{ status: { status: string; errorMessage: string } }>(
        '/api/services/example',
      );
      return body.status.status === 'UNKNOWN' ? undefined : body.status;
    },
    'a service test outcome',
    20_000,
    200,
  );
  // The template's first test allows one second, which a cold Python may miss: slivka says
  // WARNING "timeout" then, and so does Damson.
  if (status.status === 'WARNING') expect(status.errorMessage).toMatch(/: timeout$/);
  else expect(status).toEqual({ status: 'OK', errorMessage: '', timestamp: expect.any(String) });
});
