import { ApiClient, FINISHED } from '../helpers/api-client';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import {
  describeWithMongo,
  startMongoServer,
  uniqueDatabaseName,
  type MongoServer,
} from '../helpers/ferretdb';

jest.setTimeout(120_000);

let server: MongoServer;
let home: DamsonHome;
let damson: RunningDamson;
let api: ApiClient;

/** The whole portal on MongoDB: the same project as damson-start.test.ts plus one settings line. */
describeWithMongo()('damson start on the MongoDB store', () => {
  beforeAll(async () => {
    server = await startMongoServer();
    home = await makeDamsonHome({
      'store.url': server.url,
      'mongodb.database': uniqueDatabaseName(),
    });
    damson = await startDamson(home);
    api = new ApiClient(home.baseUrl);
  });

  afterAll(async () => {
    await damson?.stop();
    await server?.dispose();
  });

  it('runs head on an uploaded file and serves the output', async () => {
    const form = new FormData();
    form.append('input', new Blob(['one\ntwo\nthree\nfour\n']), 'some.txt');
    form.append('lines', '2');
    const submitted = await api.submit('head', form);
    expect(submitted.status).toBe(202);
    const done = await api.waitForState(submitted.body.id, FINISHED);
    expect(done.status).toBe('COMPLETED');
    const stdout = (await api.files(done.id)).find((f) => f.path === 'stdout')!;
    expect(await api.bytes(stdout['@content'])).toBe('one\ntwo\n');
    const upload = await api.json(`/api/files/${done.parameters.input as string}`);
    expect(upload.status).toBe(200);
  });

  it('cancels a running job', async () => {
    const submitted = await api.submit('sleep', new URLSearchParams([['seconds', '60']]));
    await api.waitForState(submitted.body.id, ['RUNNING']);
    const cancel = await fetch(`${home.baseUrl}/api/jobs/${submitted.body.id}`, {
      method: 'DELETE',
    });
    expect(cancel.status).toBe(204);
    const done = await api.waitForState(submitted.body.id, FINISHED, 10_000);
    expect(['INTERRUPTED', 'DELETED']).toContain(done.status);
  });

  it('lists jobs page by page and counts them in the statistics', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await api.submit('words', new URLSearchParams([['words', `w${i}`]]))).status).toBe(
        202,
      );
    }
    const first = await api.json<{ jobs: { id: string }[]; nextCursor: string | null }>(
      '/api/jobs?limit=2',
    );
    expect(first.status).toBe(200);
    expect(first.body.jobs).toHaveLength(2);
    expect(first.body.nextCursor).toBeTruthy();
    const rest = await api.json<{ jobs: { id: string }[] }>(
      `/api/jobs?limit=100&cursor=${encodeURIComponent(first.body.nextCursor!)}`,
    );
    const ids = [...first.body.jobs, ...rest.body.jobs].map((j) => j.id);
    expect(new Set(ids).size).toBe(5);
    const stats = await api.json<{ usageStatictics: { service: string; count: number }[] }>(
      '/api/stats',
    );
    expect(stats.status).toBe(200);
    const count = (service: string): number =>
      stats.body.usageStatictics.find((r) => r.service === service)?.count ?? 0;
    expect([count('head'), count('sleep'), count('words')]).toEqual([1, 1, 3]);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await damson.stop()).toBe(0);
  });
});
