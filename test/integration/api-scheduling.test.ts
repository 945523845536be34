import path from 'node:path';
import { ApiClient, FINISHED } from '../helpers/api-client';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';

jest.setTimeout(60_000);

let home: DamsonHome;
let damson: RunningDamson;
let api: ApiClient;

beforeAll(async () => {
  // Listing jobs anonymously is an operator's choice (the default needs a token); this suite lists.
  home = await makeDamsonHome({ 'api.list-jobs': 'anyone' });
  damson = await startDamson(home);
  api = new ApiClient(home.baseUrl);
});

afterAll(async () => {
  await damson?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scheduling hints on submission', () => {
  it('keeps a job with not-before QUEUED until its time, then runs it', async () => {
    const submitted = await api.json<{ id: string }>('/api/services/sleep/jobs?not-before=2', {
      method: 'POST',
      body: new URLSearchParams([['seconds', '0']]),
    });
    expect(submitted.status).toBe(202);
    const due = Date.now() + 2000;
    await sleep(1200);
    expect((await api.job(submitted.body.id)).status).toBe('QUEUED');
    const queued = await api.json<{ jobs: { id: string }[] }>('/api/jobs?status=QUEUED&limit=500');
    expect(queued.body.jobs.map((j) => j.id)).toContain(submitted.body.id);
    const done = await api.waitForState(submitted.body.id, FINISHED);
    expect(done.status).toBe('COMPLETED');
    expect(Date.now()).toBeGreaterThanOrEqual(due - 100);
  });

  it('deletes a delayed job at once when it is cancelled', async () => {
    const submitted = await api.json<{ id: string }>('/api/services/sleep/jobs?not-before=60', {
      method: 'POST',
      body: new URLSearchParams([['seconds', '0']]),
    });
    expect((await api.job(submitted.body.id)).status).toBe('QUEUED');
    const cancel = await api.json(`/api/jobs/${submitted.body.id}`, { method: 'DELETE' });
    expect(cancel.status).toBe(204);
    const deleted = await api.job(submitted.body.id);
    expect(deleted.status).toBe('DELETED');
    expect(deleted.completionTime).toBeTruthy();
  });

  it('keeps a job due 25.5 days ahead QUEUED without the scheduler spinning on its timer', async () => {
    // 2,203,200 s is past Node's 2^31-1 ms timer limit: unclamped, the due timer fired every
    // millisecond, each time with a TimeoutOverflowWarning line (about 1,260 a second).
    const overflowLines = (): number => damson.output().split('TimeoutOverflowWarning').length - 1;
    const before = overflowLines();
    const submitted = await api.json<{ id: string }>(
      '/api/services/sleep/jobs?not-before=2203200',
      { method: 'POST', body: new URLSearchParams([['seconds', '0']]) },
    );
    expect(submitted.status).toBe(202);
    await sleep(2500);
    expect(overflowLines() - before).toBe(0);
    expect((await api.job(submitted.body.id)).status).toBe('QUEUED');
    // The scheduler still answers: a job due now runs while the far one waits.
    const now = await api.submit('sleep', new URLSearchParams([['seconds', '0']]));
    expect((await api.waitForState(now.body.id, FINISHED)).status).toBe('COMPLETED');
    expect((await api.job(submitted.body.id)).status).toBe('QUEUED');
    const cancel = await api.json(`/api/jobs/${submitted.body.id}`, { method: 'DELETE' });
    expect(cancel.status).toBe(204);
  });

  it('stores a lowered priority with the job (anyone may lower their own)', async () => {
    const submitted = await api.json<{ id: string }>('/api/services/sleep/jobs?priority=-7', {
      method: 'POST',
      body: new URLSearchParams([['seconds', '0']]),
    });
    expect(submitted.status).toBe(202);
    const store = new SqliteJobStore(path.join(home.home, 'data/damson.sqlite'));
    try {
      expect((await store.getJob(submitted.body.id))!.priority).toBe(-7);
    } finally {
      await store.close();
    }
  });

  it('refuses an anonymous raised priority with a 403 naming it, and creates no job', async () => {
    const before = (await api.json<{ jobs: unknown[] }>('/api/jobs?limit=500')).body.jobs.length;
    const res = await api.json<{ error: { code: string; message: string; parameter: string } }>(
      '/api/services/sleep/jobs?priority=1000',
      { method: 'POST', body: new URLSearchParams([['seconds', '0']]) },
    );
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'priority_not_allowed', parameter: 'priority' });
    expect(res.body.error.message).toContain("'priority'");
    expect((await api.json<{ jobs: unknown[] }>('/api/jobs?limit=500')).body.jobs.length).toBe(
      before,
    );
  });

  it.each([
    ['priority=high', 'priority'],
    ['priority=5000', 'priority'],
    ['not-before=tomorrow', 'not-before'],
    ['not-before=99999999999', 'not-before'],
  ])('refuses %s with a 400 naming the parameter and creates no job', async (query, name) => {
    const before = (await api.json<{ jobs: unknown[] }>('/api/jobs?limit=500')).body.jobs.length;
    const res = await api.json<{ error: { code: string; message: string; parameter: string } }>(
      `/api/services/sleep/jobs?${query}`,
      { method: 'POST', body: new URLSearchParams([['seconds', '0']]) },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(`'${name}'`);
    expect(res.body.error.parameter).toBe(name);
    expect((await api.json<{ jobs: unknown[] }>('/api/jobs?limit=500')).body.jobs.length).toBe(
      before,
    );
  });
});
