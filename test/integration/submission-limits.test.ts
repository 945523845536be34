import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startApiApp, type ApiApp } from '../helpers/api-app';
import { EXAMPLE_SERVICES } from '../helpers/damson-home';
import { multipartBody, rawRequest, type RawResponse } from '../helpers/raw-http';
import { stopYamlWorker } from '../../src/services/media-types/structured-text';

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
  for (const [id, mediaType] of [
    ['yamlin', 'application/yaml'],
    ['jsonin', 'application/json'],
    ['fastain', 'application/fasta'],
  ]) {
    writeFileSync(
      path.join(dir, `${id}.service.yaml`),
      `slivka-version: '0.8.3'
name: ${id}
parameters:
  input: {name: Input, type: file, media-type: ${mediaType}}
command: cat
args:
  input: {arg: $(value)}
outputs: {}
execution: {runners: {default: {type: ShellRunner}}}
`,
    );
  }
  return dir;
}

beforeAll(async () => {
  // Fields up to 4 MiB, so the command limits (not the 1 MiB default field limit, a 413) refuse.
  app = await startApiApp({ 'server.max-field-size': 4 * 1024 * 1024 }, servicesDirectory());
});
afterAll(async () => {
  await app?.close();
  await stopYamlWorker();
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

describe('audit F5/F7: hostile files are refused or accepted without stalling the server', () => {
  const MIB = 1024 * 1024;
  /**
   * Uploads `content` (the body is built first) while a 10 ms interval in this process, which is
   * the server's, measures the longest stall of the event loop.
   */
  async function probedUpload(service: string, content: string) {
    const { contentType, body } = multipartBody([
      { name: 'input', filename: 'input', value: content },
    ]);
    let maxLagMs = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      maxLagMs = Math.max(maxLagMs, now - last - 10);
      last = now;
    }, 10);
    try {
      const url = `${app.baseUrl}/api/services/${service}/jobs`;
      const res = await rawRequest(url, 'POST', { 'content-type': contentType }, body);
      // The server answers a normal request right after.
      expect((await rawRequest(`${app.baseUrl}/api/version`, 'GET')).status).toBe(200);
      return { res, maxLagMs };
    } finally {
      clearInterval(probe);
    }
  }

  test('a 30 MiB YAML is a 422 naming the YAML limit, and nothing stalls', async () => {
    const { res, maxLagMs } = await probedUpload('yamlin', `[${'1, '.repeat(10 * MIB)}1]`);
    expectRefused(res, 'input', 'media_type');
    expect(res.text).toContain('larger than the 4 MiB limit for YAML validation');
    expect(maxLagMs).toBeLessThan(200);
  }, 120_000);
  test('a 3 MiB YAML flow sequence is checked in the worker: 422 or 202, no stall', async () => {
    const { res, maxLagMs } = await probedUpload('yamlin', `[${'1, '.repeat(MIB)}1]`);
    expect([202, 422]).toContain(res.status);
    expect(maxLagMs).toBeLessThan(200);
  }, 120_000);
  test('a 24 MiB JSON array is checked a piece at a time and accepted', async () => {
    const { res, maxLagMs } = await probedUpload('jsonin', `[${'1,'.repeat(12 * MIB)}1]`);
    expect(res.status).toBe(202);
    expect(maxLagMs).toBeLessThan(200);
  }, 120_000);
  test('a 20 MiB single-line FASTA is a 422 naming the line limit', async () => {
    const { res, maxLagMs } = await probedUpload('fastain', `>x\n${'A'.repeat(20 * MIB)}\n`);
    expectRefused(res, 'input', 'media_type');
    expect(res.text).toContain('line 2 is longer than the 16 MiB Damson checks');
    expect(maxLagMs).toBeLessThan(200);
  }, 120_000);
});
