import { ApiClient, FINISHED } from '../helpers/api-client';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import {
  describeWithMongo,
  startMongoServer,
  uniqueDatabaseName,
  type MongoServer,
} from '../helpers/ferretdb';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(180_000);

let server: MongoServer;
let home: DamsonHome;
let damson: RunningDamson;
let api: ApiClient;

const words = (): URLSearchParams => new URLSearchParams([['words', 'outage']]);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// Stopping the store needs a server this test started; MONGODB_URL points at someone else's.
const describeOutage = process.env.MONGODB_URL ? describe.skip : describeWithMongo();

describeOutage('the MongoDB store going away and coming back', () => {
  beforeAll(async () => {
    server = await startMongoServer({ keepState: true });
    home = await makeDamsonHome({
      'store.url': server.url,
      'mongodb.database': uniqueDatabaseName(),
      'scheduler.poll-interval': 200,
    });
    damson = await startDamson(home);
    api = new ApiClient(home.baseUrl);
  });

  afterAll(async () => {
    await damson?.stop();
    await server?.dispose();
  });

  it('reports not ready (503, the store named) within 5 s of the store stopping, ready again after', async () => {
    const readyz = async (): Promise<{ status: number; body: { reasons?: object } }> => {
      const res = await fetch(`${home.baseUrl}/readyz`);
      return { status: res.status, body: (await res.json()) as { reasons?: object } };
    };
    await waitFor(
      async () => ((await readyz()).status === 200 ? true : undefined),
      'ready',
      20_000,
    );
    await server.stop();
    const stoppedAt = Date.now();
    const down = await waitFor(
      async () => {
        const state = await readyz();
        return state.status === 503 ? state : undefined;
      },
      'not ready',
      5_000,
      100,
    );
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    expect(Object.keys(down.body.reasons ?? {})).toContain('store');
    expect(JSON.stringify(down.body)).not.toMatch(/mongodb:|127\.0\.0\.1|stack/i);
    await server.start();
    await waitFor(
      async () => ((await readyz()).status === 200 ? true : undefined),
      'ready again',
      30_000,
    );
  });

  it('answers only 202 or 503 while it is down, and loses no accepted job', async () => {
    const accepted: string[] = [];
    const submit = async (): Promise<number> => {
      const { status, body, headers } = await api.submit('words', words());
      if (status === 202) accepted.push(body.id);
      else {
        expect(status).toBe(503);
        expect(headers.get('retry-after')).toMatch(/^\d+$/);
        expect(body).toMatchObject({ error: { code: 'store_unavailable' } });
        expect(JSON.stringify(body)).not.toMatch(/mongodb:|127\.0\.0\.1|stack/i);
      }
      return status;
    };

    for (let i = 0; i < 5; i++) expect(await submit()).toBe(202);
    await server.stop();
    const during: number[] = [];
    const outageEnds = Date.now() + 4000;
    while (Date.now() < outageEnds) during.push(await submit());
    expect(during).toContain(503);
    const read = await api.json(`/api/jobs/${accepted[0]}`);
    expect(read.status).toBe(503);
    expect(read.headers.get('retry-after')).toMatch(/^\d+$/);

    await server.start();
    // The server reconnects by itself: a submission is accepted again.
    await waitFor(async () => ((await submit()) === 202 ? true : undefined), 'a 202 again', 30_000);
    for (let i = 0; i < 5; i++) await submit();

    // Every acknowledged job is there, and the scheduler (which kept retrying) finishes them.
    for (const id of accepted) {
      const done = await waitFor(
        async () => {
          const { status, body } = await api.json<{ status: string }>(`/api/jobs/${id}`);
          return status === 200 && FINISHED.includes(body.status) ? body : undefined;
        },
        `job ${id} to finish`,
        60_000,
      );
      if (done.status !== 'COMPLETED') process.stderr.write(damson.output().slice(-6000));
      expect(done.status).toBe('COMPLETED');
    }
    expect(accepted.length).toBeGreaterThanOrEqual(11);
  });

  it('starts while the store is down and works once it is back', async () => {
    await damson.stop();
    await server.stop();
    damson = await startDamson(home);
    const early = await api.submit('words', words());
    expect(early.status).toBe(503);
    await sleep(1500); // the scheduler is now waiting for the store, not exiting
    await server.start();
    const submitted = await waitFor(
      async () => {
        const res = await api.submit('words', words());
        return res.status === 202 ? res : undefined;
      },
      'a 202 after the store came back',
      30_000,
    );
    const done = await api.waitForState(submitted.body.id, FINISHED, 60_000);
    expect(done.status).toBe('COMPLETED');
  });
});
