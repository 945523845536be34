import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiClient, FINISHED } from '../helpers/api-client';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(60_000);

/** The promise: a changed, added or removed file is live within two seconds. */
const RELOAD_MS = 2000;

const echoService = (name: string, flag: string, extra = '') => `slivka-version: "0.8.3"
name: ${name}
parameters:
  word: {name: Word, type: text}
command: ["${process.execPath}", "-e", "console.log(JSON.stringify(process.argv.slice(1)))", "--"]
args:
  word: {arg: "${flag}=$(value)"}
outputs:
  log: {path: stdout, name: Output}
execution:
  runners:
    default: {type: ShellRunner}
${extra}`;

const blockerService = `slivka-version: "0.8.3"
name: Blocker
parameters: {}
command: ["${process.execPath}", "-e", "setTimeout(() => {}, 2500)"]
args: {}
outputs: {}
execution:
  runners:
    default: {type: ShellRunner}
`;

let servicesDir: string;
let home: DamsonHome;
let damson: RunningDamson;
let api: ApiClient;

/** Replaces a file in one step, as editors that save through a temporary file do. */
function save(name: string, text: string): void {
  const temporary = path.join(servicesDir, `.${name}.tmp`);
  writeFileSync(temporary, text);
  renameSync(temporary, path.join(servicesDir, name));
}

interface ServiceBody {
  name: string;
  status: { status: string; errorMessage: string; timestamp: string };
}
const service = (id: string) => api.json<ServiceBody>(`/api/services/${id}`);

async function within<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const started = Date.now();
  const value = await waitFor(probe, what, RELOAD_MS, 50);
  expect(Date.now() - started).toBeLessThanOrEqual(RELOAD_MS + 100);
  return value;
}

async function stdoutOf(jobId: string): Promise<string> {
  const done = await api.waitForState(jobId, FINISHED);
  expect(done.status).toBe('COMPLETED');
  const out = (await api.files(jobId)).find((f) => f.path === 'stdout');
  return api.bytes(out?.['@content'] ?? '');
}

beforeAll(async () => {
  servicesDir = mkdtempSync(path.join(tmpdir(), 'damson-reload-services-'));
  save('echo.service.yaml', echoService('Echo one', '--one'));
  save('blocker.service.yaml', blockerService);
  home = await makeDamsonHome({ 'local-agent.slots': 1 }, servicesDir);
  damson = await startDamson(home);
  api = new ApiClient(home.baseUrl);
});

afterAll(async () => {
  await damson?.stop();
});

test('an edit is served within two seconds', async () => {
  expect((await service('echo')).body.name).toBe('Echo one');
  save('echo.service.yaml', echoService('Echo two', '--two'));
  await within(
    async () => ((await service('echo')).body.name === 'Echo two' ? true : undefined),
    'the edit',
  );
  const job = await api.submit('echo', new URLSearchParams({ word: 'hi' }));
  expect(JSON.parse(await stdoutOf(job.body.id))).toEqual(['--two=hi']);
});

test('an added file is served and a removed one is gone, within two seconds', async () => {
  save('added.service.yaml', echoService('Added', '--added'));
  await within(
    async () => ((await service('added')).status === 200 ? true : undefined),
    'the new file',
  );
  rmSync(path.join(servicesDir, 'added.service.yaml'));
  await within(
    async () => ((await service('added')).status === 404 ? true : undefined),
    'the removal',
  );
  const list = await api.json<{ services: { id: string }[] }>('/api/services');
  expect(list.body.services.map((s) => s.id)).toEqual(['blocker', 'echo']);
});

test('an invalid edit keeps the last good version and shows the error in its status', async () => {
  save(
    'echo.service.yaml',
    echoService('Echo broken', '--broken').replace('type: text', 'type: txt'),
  );
  const body = await within(async () => {
    const { body } = await service('echo');
    return body.status.status === 'WARNING' ? body : undefined;
  }, 'the error to show');
  expect(body.name).toBe('Echo two');
  expect(body.status.errorMessage).toMatch(
    /^the service file has an error; the last good version is serving: echo\.service\.yaml:4:\d+: at 'parameters\/word\/type': unknown parameter type 'txt'/,
  );
  // The public status names the file relative to the services directory, never a server path.
  expect(body.status.errorMessage).not.toContain(home.home);
  expect(body.status.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  const job = await api.submit('echo', new URLSearchParams({ word: 'still' }));
  expect(job.status).toBe(202);
  expect(JSON.parse(await stdoutOf(job.body.id))).toEqual(['--two=still']);
  expect(damson.output()).toMatch(/unknown parameter type 'txt'/);
  // Fixed again: the status clears.
  save('echo.service.yaml', echoService('Echo three', '--three'));
  await within(async () => {
    const { body: fixed } = await service('echo');
    return fixed.name === 'Echo three' && fixed.status.status === 'UNKNOWN' ? true : undefined;
  }, 'the fix');
});

test('a job keeps the definition it was submitted with', async () => {
  // The only slot is busy, so the echo job waits in the queue while its file changes.
  const blocker = await api.submit('blocker', new URLSearchParams());
  await api.waitForState(blocker.body.id, ['RUNNING']);
  const queued = await api.submit('echo', new URLSearchParams({ word: 'before' }));
  expect(queued.status).toBe(202);
  save('echo.service.yaml', echoService('Echo four', '--four'));
  await within(
    async () => ((await service('echo')).body.name === 'Echo four' ? true : undefined),
    'the edit',
  );
  expect((await api.job(queued.body.id)).status).toBe('PENDING');
  expect(JSON.parse(await stdoutOf(queued.body.id))).toEqual(['--three=before']);
  const after = await api.submit('echo', new URLSearchParams({ word: 'after' }));
  expect(JSON.parse(await stdoutOf(after.body.id))).toEqual(['--four=after']);
});

test('the scheduler reloads too: a health test added to a file runs', async () => {
  save(
    'echo.service.yaml',
    echoService(
      'Echo five',
      '--five',
      'tests:\n  - applicable-runners: [default]\n    parameters: {word: probe}\n    timeout: 10\n',
    ),
  );
  const body = await waitFor(
    async () => {
      const { body: s } = await service('echo');
      return s.status.status === 'OK' ? s : undefined;
    },
    'the health test to pass',
    10_000,
  );
  expect(body.name).toBe('Echo five');
  expect(body.status.errorMessage).toBe('');
});
