import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startApiApp, type ApiApp } from '../helpers/api-app';
import { EXAMPLE_SERVICES } from '../helpers/damson-home';
import { rawRequest, type RawResponse } from '../helpers/raw-http';

/**
 * Submissions the audit showed reaching a tool in a form it could not (or should not) take: each
 * is now refused at submission with a 4xx naming the field, and no job is created.
 */
let app: ApiApp;

/** The example services, plus one with a text parameter without max-length (audit F16). */
function servicesDirectory(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'damson-limits-services-'));
  for (const name of ['words.service.yaml', 'scripts']) {
    symlinkSync(path.join(EXAMPLE_SERVICES, name), path.join(dir, name));
  }
  writeFileSync(
    path.join(dir, 'example.service.yaml'),
    `slivka-version: '0.8.3'
name: Echo
parameters:
  rep: {name: Rep, type: text, required: false}
  arg: {name: Arg, type: 'text[]', required: false}
command: echo
args:
  rep: {arg: $(value)}
  arg: {arg: $(value)}
outputs: {}
execution: {runners: {default: {type: ShellRunner}}}
`,
  );
  return dir;
}

beforeAll(async () => {
  app = await startApiApp({}, servicesDirectory());
});
afterAll(async () => {
  await app?.close();
});

const form = { 'content-type': 'application/x-www-form-urlencoded' };

async function jobCount(): Promise<number> {
  return (await app.store.listJobs({ limit: 500 })).jobs.length;
}

async function post(service: string, body: string): Promise<RawResponse> {
  return rawRequest(`${app.baseUrl}/api/services/${service}/jobs`, 'POST', form, body);
}

function expectRefused(res: RawResponse, parameter: string, errorCode: string): void {
  expect(res.status).toBe(422);
  const json = res.json<{ errors: { parameter: string; errorCode: string }[] }>();
  expect(json.errors).toEqual([expect.objectContaining({ parameter, errorCode })]);
}

describe('audit F9: values a command line cannot carry', () => {
  test('words=a%00b is a 422 naming words, not a job that fails at spawn', async () => {
    const before = await jobCount();
    expectRefused(await post('words', 'words=a%00b'), 'words', 'invalid_character');
    expectRefused(await post('words', 'words=x&words=%1B%5B2J'), 'words', 'invalid_character');
    expect(await jobCount()).toBe(before);
  });
  test('the same through a JSON body', async () => {
    const res = await rawRequest(
      `${app.baseUrl}/api/services/words/jobs`,
      'POST',
      { 'content-type': 'application/json' },
      JSON.stringify({ words: ['a\u0000b'] }),
    );
    expectRefused(res, 'words', 'invalid_character');
  });
});

describe('audit F12: a value that would reach the tool as an option', () => {
  test('words=--repeat=3000000 on the example words service is a 422 naming words', async () => {
    const before = await jobCount();
    const res = await post('words', 'words=--repeat%3D3000000&words=x&repeat=1');
    expectRefused(res, 'words', 'leading_dash');
    expect(await jobCount()).toBe(before);
  });
  test('the ordinary submission still goes through', async () => {
    expect((await post('words', 'words=x&words=a-b&repeat=2')).status).toBe(202);
  });
});

describe('audit F16: no submission makes a command that cannot be launched or sent', () => {
  test.each([1_100_000, 1_000_000, 200_000])(
    'a %d-byte text value is a 422 naming the field and the limit, not a 202',
    async (bytes) => {
      const before = await jobCount();
      const res = await post('example', `rep=a&arg=${'y'.repeat(bytes)}`);
      expectRefused(res, 'arg', 'argument_too_long');
      expect(res.text).toContain('at most 131071 bytes');
      expect(await jobCount()).toBe(before);
    },
  );
  test('values each under the argument limit but together too large are refused', async () => {
    const body = Array.from({ length: 5 }, () => `arg=${'y'.repeat(120_000)}`).join('&');
    const res = await post('example', body);
    expectRefused(res, 'arg', 'command_too_long');
    expect(res.text).toContain('at most 524288 bytes');
  });
  test('a large value within the limits is accepted', async () => {
    expect((await post('example', `arg=${'y'.repeat(100_000)}`)).status).toBe(202);
  });
});
