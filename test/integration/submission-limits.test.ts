import { startApiApp, type ApiApp } from '../helpers/api-app';
import { rawRequest, type RawResponse } from '../helpers/raw-http';

/**
 * Submissions the audit showed reaching a tool in a form it could not (or should not) take: each
 * is now refused at submission with a 4xx naming the field, and no job is created.
 */
let app: ApiApp;

beforeAll(async () => {
  app = await startApiApp();
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
