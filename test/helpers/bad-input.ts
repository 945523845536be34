import { readdirSync } from 'node:fs';
import path from 'node:path';
import { startApiApp, type ApiApp } from './api-app';
import { multipartBody, rawRequest, type Part } from './raw-http';
import { waitFor } from './wait-for';

/**
 * Bad input, table-driven: each request gets the documented 4xx JSON error, creates no job, leaves
 * no file behind and never shows a stack trace or a server path. One API app a test file, with
 * small limits, and one job submitted before the cases (`knownJob`) for the routes that need one.
 */
export interface BadInputServer {
  app: ApiApp;
  knownJob: string;
}

export function badInputServer(): BadInputServer {
  const server = {} as BadInputServer;
  beforeAll(async () => {
    server.app = await startApiApp({
      'server.max-file-size': 1000,
      'server.max-files': 2,
      'server.max-fields': 20,
      'server.max-field-size': 2000,
      'server.max-text-size': 5000,
      // The listing's query checks are tested here, so the listing is open (the default needs a token).
      'api.list-jobs': 'anyone',
    });
    const res = await rawRequest(
      `${server.app.baseUrl}/api/services/words/jobs`,
      'POST',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'words=seed',
    );
    server.knownJob = res.json<{ id: string }>().id;
  });
  afterAll(async () => {
    await server.app?.close();
  });
  return server;
}

export interface BadInputCase {
  name: string;
  method?: string;
  path: string | (() => string);
  headers?: Record<string, string>;
  body?: string | Buffer | (string | Buffer)[] | (() => string);
  /** For a 422: slivka's errorCode of the first error. */
  errorCode?: string;
  status: number;
  code: string;
  /** Extra fields of `error` (e.g. the limit's setting name). */
  details?: Record<string, unknown>;
}

export const form = { 'content-type': 'application/x-www-form-urlencoded' };
export const multipart = (parts: Part[]) => {
  const { contentType, body } = multipartBody(parts);
  return { headers: { 'content-type': contentType }, body };
};
export const fileOf = (bytes: number, name = 'input'): Part => ({
  name,
  filename: 'in.txt',
  value: 'x'.repeat(bytes),
});

/** The files in the uploads directory and its incoming directory. */
export function leftovers(app: ApiApp): string[] {
  const dir = app.settings.directories.uploads;
  const incoming = path.join(dir, '.incoming');
  const list = (d: string): string[] => {
    try {
      return readdirSync(d);
    } catch {
      return [];
    }
  };
  return [...list(dir).filter((f) => f !== '.incoming'), ...list(incoming)];
}

async function jobCount(app: ApiApp): Promise<number> {
  return (await app.store.listJobs({ limit: 500 })).jobs.length;
}

/** One test a case: its status and error code, no job created, no file left, nothing leaked. */
export function describeBadInput(server: BadInputServer, cases: BadInputCase[]): void {
  describe.each(cases)('$name', (c) => {
    it(`answers ${c.status} ${c.code}, creates nothing, leaks nothing`, async () => {
      const { app } = server;
      const uploadsBefore = leftovers(app);
      const jobsBefore = await jobCount(app);
      const target = typeof c.path === 'function' ? c.path() : c.path;
      const body = typeof c.body === 'function' ? c.body() : c.body;
      const res = await rawRequest(`${app.baseUrl}${target}`, c.method ?? 'GET', c.headers, body);
      expect(res.status).toBe(c.status);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      const json = res.json<{ error: Record<string, unknown>; errors?: { errorCode: string }[] }>();
      expect(json.error).toMatchObject({ code: c.code, message: expect.any(String), ...c.details });
      if (c.errorCode) expect(json.errors?.[0].errorCode).toBe(c.errorCode);
      expect(res.text).not.toMatch(/\s+at\s|node_modules|\.ts:|\.js:/);
      expect(res.text).not.toContain(app.home.home);
      expect(await jobCount(app)).toBe(jobsBefore);
      await waitFor(
        async () => (leftovers(app).length === uploadsBefore.length ? true : undefined),
        'no leftover file',
        2_000,
      );
    });
  });
}
