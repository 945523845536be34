import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ApiClient, FINISHED } from '../helpers/api-client';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { childPids, isAlive, startDamson, type RunningDamson } from '../helpers/damson-process';

jest.setTimeout(60_000);

let home: DamsonHome;
let damson: RunningDamson;
let api: ApiClient;

beforeAll(async () => {
  home = await makeDamsonHome();
  damson = await startDamson(home);
  api = new ApiClient(home.baseUrl);
});

afterAll(async () => {
  await damson?.stop();
});

function form(entries: [string, string | Blob, string?][]): FormData {
  const data = new FormData();
  for (const [key, value, filename] of entries) {
    if (typeof value === 'string') data.append(key, value);
    else data.append(key, value, filename);
  }
  return data;
}

describe('damson start, end to end through real processes', () => {
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

  it('stops every process on SIGTERM, leaving no orphans', async () => {
    const children = childPids(damson.process.pid!);
    expect(children.length).toBe(3);
    const code = await damson.stop();
    expect(code).toBe(0);
    for (const pid of children) expect(isAlive(pid)).toBe(false);
  });
});
