import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ApiClient, FINISHED } from '../helpers/api-client';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { childPids, isAlive, startDamson, type RunningDamson } from '../helpers/damson-process';
import {
  describeWithMongo,
  startMongoServer,
  uniqueDatabaseName,
  type MongoServer,
} from '../helpers/ferretdb';

jest.setTimeout(120_000);

function form(entries: [string, string | Blob, string?][]): FormData {
  const data = new FormData();
  for (const [key, value, filename] of entries) {
    if (typeof value === 'string') data.append(key, value);
    else data.append(key, value, filename);
  }
  return data;
}

/** Settings lines that choose a store, and what to tear down after. */
interface StoreChoice {
  settings(): Promise<Record<string, string>>;
  dispose(): Promise<void>;
}

const SQLITE: StoreChoice = { settings: async () => ({}), dispose: async () => undefined };

function mongoChoice(): StoreChoice {
  let server: MongoServer | undefined;
  return {
    async settings() {
      server = await startMongoServer();
      return { 'store.url': server.url, 'mongodb.database': uniqueDatabaseName() };
    },
    dispose: async () => server?.dispose(),
  };
}

/** The same project and the same tests on each store: only the settings lines differ. */
function endToEnd(describeOn: jest.Describe, storeName: string, store: StoreChoice): void {
  let home: DamsonHome;
  let damson: RunningDamson;
  let api: ApiClient;

  describeOn(`damson start on ${storeName}, end to end through real processes`, () => {
    beforeAll(async () => {
      // These tests list jobs anonymously: an operator's choice (the default needs a token).
      home = await makeDamsonHome({ ...(await store.settings()), 'api.list-jobs': 'anyone' });
      damson = await startDamson(home);
      api = new ApiClient(home.baseUrl);
    });

    afterAll(async () => {
      await damson?.stop();
      await store.dispose();
    });

    it('lists the example services', async () => {
      const { status, body } = await api.json<{ services: { id: string }[] }>('/api/services');
      expect(status).toBe(200);
      expect(body.services.map((s) => s.id)).toEqual(
        expect.arrayContaining(['head', 'words', 'sleep']),
      );
    });

    it('runs head on an uploaded file and serves the output bytes', async () => {
      const text = 'one\ntwo\nthree\nfour\nfive\n';
      const submitted = await api.submit(
        'head',
        form([
          ['input', new Blob([text]), 'some.txt'],
          ['lines', '3'],
        ]),
      );
      expect(submitted.status).toBe(202);
      expect(submitted.headers.get('location')).toBe(`/api/jobs/${submitted.body.id}`);
      const done = await api.waitForState(submitted.body.id, FINISHED);
      expect(done.status).toBe('COMPLETED');
      expect(done.completionTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
      const files = await api.files(done.id);
      const stdout = files.find((f) => f.path === 'stdout');
      expect(stdout).toBeDefined();
      expect(await api.bytes(stdout!['@content'])).toBe('one\ntwo\nthree\n');
      // The uploaded input is a file resource of its own (slivka's /api/files/{id}).
      const upload = await api.json(`/api/files/${done.parameters.input as string}`);
      expect(upload.status).toBe(200);
    });

    it('runs words with an array, a choice, a flag and a bounded integer (urlencoded)', async () => {
      const body = new URLSearchParams([
        ['words', 'Hello'],
        ['words', 'World'],
        ['repeat', '2'],
        ['case', 'upper'],
        ['numbered', 'yes'],
        ['separator', ': '],
      ]);
      const submitted = await api.submit('words', body);
      expect(submitted.status).toBe(202);
      expect(submitted.body.parameters).toMatchObject({
        words: ['Hello', 'World'],
        case: 'upper',
        numbered: 'true',
      });
      const done = await api.waitForState(submitted.body.id, FINISHED);
      expect(done.status).toBe('COMPLETED');
      const files = await api.files(done.id);
      const words = files.find((f) => f.path === 'words.txt')!;
      expect(await api.bytes(words['@content'])).toBe('1: HELLO\n2: HELLO\n3: WORLD\n4: WORLD\n');
    });

    it('runs sleep to completion', async () => {
      const submitted = await api.submit('sleep', new URLSearchParams([['seconds', '0.2']]));
      const done = await api.waitForState(submitted.body.id, FINISHED);
      expect(done.status).toBe('COMPLETED');
      const files = await api.files(done.id);
      expect(await api.bytes(files.find((f) => f.path === 'stdout')!['@content'])).toBe(
        'slept 0.2 s\n',
      );
    });

    it('cancels a running job, which ends INTERRUPTED', async () => {
      const submitted = await api.submit('sleep', new URLSearchParams([['seconds', '60']]));
      await api.waitForState(submitted.body.id, ['RUNNING']);
      const cancel = await fetch(`${home.baseUrl}/api/jobs/${submitted.body.id}`, {
        method: 'DELETE',
      });
      expect(cancel.status).toBe(204);
      const done = await api.waitForState(submitted.body.id, FINISHED, 5_000);
      expect(['INTERRUPTED', 'DELETED']).toContain(done.status);
      expect(done.completionTime).not.toBeNull();
    });

    describe('bad submissions create no job and no file', () => {
      const uploadsDir = (): string[] => {
        const dir = path.join(home.home, 'media/uploads');
        const incoming = path.join(dir, '.incoming');
        return [
          ...readdirSync(dir).filter((f) => f !== '.incoming'),
          ...(existsSync(incoming) ? readdirSync(incoming).map((f) => `.incoming/${f}`) : []),
        ];
      };
      const jobCount = async (): Promise<number> =>
        (await api.json<{ jobs: unknown[] }>('/api/jobs?limit=500')).body.jobs.length;

      it('answers 404 with a JSON body for an unknown service', async () => {
        const before = await jobCount();
        const res = await api.submit('no-such-service', new URLSearchParams([['x', '1']]));
        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({ error: { code: 'not_found' } });
        expect(await jobCount()).toBe(before);
      });

      it('answers 422 for a missing required parameter and an out-of-bounds value, keeping no upload', async () => {
        const before = await jobCount();
        const files = uploadsDir();
        const res = await api.submit('head', form([['lines', '0']]));
        expect(res.status).toBe(422);
        expect((res.body as unknown as { errors: unknown[] }).errors).toEqual([
          { parameter: 'input', errorCode: 'required', message: 'Field is required' },
          {
            parameter: 'lines',
            errorCode: 'min_value',
            message: 'Value must be greater than or equal to 1',
          },
        ]);
        const withFile = await api.submit(
          'head',
          form([
            ['input', new Blob(['x\n']), 'a.txt'],
            ['lines', '100001'],
          ]),
        );
        expect(withFile.status).toBe(422);
        expect(await jobCount()).toBe(before);
        expect(uploadsDir()).toEqual(files);
      });
    });

    it('lists jobs page by page and counts them in the statistics', async () => {
      type Stats = { usageStatictics: { service: string; count: number }[] };
      const words = async (): Promise<number> =>
        (await api.json<Stats>('/api/stats')).body.usageStatictics
          .filter((row) => row.service === 'words')
          .reduce((sum, row) => sum + row.count, 0);
      const wordsBefore = await words();
      const total = (await api.json<{ jobs: unknown[] }>('/api/jobs?limit=500')).body.jobs.length;
      for (let i = 0; i < 3; i++) {
        const body = new URLSearchParams([['words', `w${i}`]]);
        expect((await api.submit('words', body)).status).toBe(202);
      }
      const ids: string[] = [];
      let cursor: string | null = '';
      while (cursor !== null) {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const page = await api.json<{ jobs: { id: string }[]; nextCursor: string | null }>(
          `/api/jobs?limit=2${query}`,
        );
        expect(page.status).toBe(200);
        expect(page.body.jobs.length).toBeLessThanOrEqual(2);
        ids.push(...page.body.jobs.map((job) => job.id));
        cursor = page.body.nextCursor;
      }
      expect(new Set(ids).size).toBe(total + 3);
      expect(ids).toHaveLength(total + 3);
      expect(await words()).toBe(wordsBefore + 3);
    });

    it('stops every process on SIGTERM, leaving no orphans', async () => {
      const children = childPids(damson.process.pid!);
      // supervisor.processes: combined (the default): server, scheduler and agent in one child.
      expect(children.length).toBe(1);
      const code = await damson.stop();
      expect(code).toBe(0);
      for (const pid of children) expect(isAlive(pid)).toBe(false);
    });
  });
}

endToEnd(describe, 'the embedded SQLite store', SQLITE);
endToEnd(describeWithMongo(), 'MongoDB (FerretDB)', mongoChoice());

describe('damson start and the agent link keys', () => {
  it('creates the keys on first start in a 0700 directory, files 0600, and reuses them', async () => {
    const home = await makeDamsonHome();
    const keys = path.join(home.home, 'keys');
    const snapshot = () =>
      Object.fromEntries(
        readdirSync(keys).map((name) => [
          name,
          {
            mode: statSync(path.join(keys, name)).mode & 0o777,
            text: readFileSync(path.join(keys, name), 'utf8'),
          },
        ]),
      );
    const runOneJob = async (): Promise<void> => {
      const api = new ApiClient(home.baseUrl);
      const res = await api.submit('sleep', new URLSearchParams([['seconds', '0']]));
      expect(res.status).toBe(202);
      expect((await api.waitForState(res.body.id, FINISHED)).status).toBe('COMPLETED');
    };
    expect(existsSync(keys)).toBe(false);
    const first = await startDamson(home);
    try {
      await runOneJob();
    } finally {
      expect(await first.stop()).toBe(0);
    }
    expect(statSync(keys).mode & 0o777).toBe(0o700);
    const created = snapshot();
    expect(Object.keys(created).sort()).toEqual([
      'agent.key',
      'authorized-agents',
      'scheduler.key',
      'scheduler.pub',
    ]);
    for (const file of Object.values(created)) expect(file.mode).toBe(0o600);
    expect(created['scheduler.key'].text).toMatch(/^public = .{40}\nsecret = .{40}\n$/);
    expect(created['authorized-agents'].text).toContain(
      /^public = (.{40})$/m.exec(created['agent.key'].text)![1],
    );
    const second = await startDamson(home);
    try {
      await runOneJob();
    } finally {
      expect(await second.stop()).toBe(0);
    }
    expect(snapshot()).toEqual(created);
  });
});
