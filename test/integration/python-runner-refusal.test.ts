import path from 'node:path';
import { startApiApp, type ApiApp } from '../helpers/api-app';
import { REPO_ROOT } from '../helpers/damson-home';

/** A job no runner of Damson can run is refused at submission with a reason, never left to ERROR. */
let app: ApiApp;

beforeAll(async () => {
  app = await startApiApp({}, path.join(REPO_ROOT, 'test/fixtures/python-runner-services'));
});
afterAll(async () => {
  await app?.close();
});

test('POST to a service whose runner is a Python class: 503 naming the class, no job', async () => {
  const res = await fetch(`${app.baseUrl}/api/services/jpred/jobs`, {
    method: 'POST',
    body: new URLSearchParams({ seq: 'ACDE' }),
  });
  expect(res.status).toBe(503);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('service_unrunnable');
  expect(body.error.message).toMatch(/'jpred\.runners\.JPredRunner' is a Python class/);
  expect(body.error.message).toMatch(/use ShellRunner/);
  const page = await app.store.listJobs({ limit: 10 });
  expect(page.jobs).toEqual([]);
});
