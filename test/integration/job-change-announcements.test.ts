import { ApiClient, FINISHED } from '../helpers/api-client';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';

jest.setTimeout(60_000);

/** The server's own store poll is as slow as settings allow, so only the scheduler's word is fast. */
const WATCH_INTERVAL_MS = 10_000;

let home: DamsonHome;
let damson: RunningDamson;
let api: ApiClient;

beforeAll(async () => {
  home = await makeDamsonHome({ 'api.watch-interval': WATCH_INTERVAL_MS });
  damson = await startDamson(home);
  api = new ApiClient(home.baseUrl);
});

afterAll(async () => {
  await damson?.stop();
});

/** Follows a job with long-polls only, timing each answer. */
async function followWithLongPolls(id: string): Promise<{ states: string[]; slowestMs: number }> {
  const states: string[] = [];
  let last = 'PENDING';
  let slowestMs = 0;
  while (!FINISHED.includes(last)) {
    const started = Date.now();
    const { body } = await api.json<{ status: string }>(`/api/jobs/${id}?wait=30&status=${last}`);
    slowestMs = Math.max(slowestMs, Date.now() - started);
    last = body.status;
    states.push(last);
  }
  return { states, slowestMs };
}

describe('the scheduler announces state changes to servers (real processes, ZeroMQ)', () => {
  it('answers long-polls as soon as a job changes, not at the server’s next store poll', async () => {
    const data = new FormData();
    data.append('input', new Blob(['one\ntwo\n']), 'some.txt');
    data.append('lines', '1');
    const submitted = await api.submit('head', data);
    expect(submitted.status).toBe(202);
    const { states, slowestMs } = await followWithLongPolls(submitted.body.id);
    expect(states[states.length - 1]).toBe('COMPLETED');
    // Every change reached the waiting client well inside one store-poll interval.
    expect(slowestMs).toBeLessThan(WATCH_INTERVAL_MS / 4);
  });

  it('answers a waiter on this server at once when a job is cancelled here', async () => {
    const data = new FormData();
    data.append('seconds', '30');
    const submitted = await api.submit('sleep', data);
    const id = submitted.body.id;
    await api.waitForState(id, ['RUNNING']);
    const waiting = (async () => {
      const started = Date.now();
      const { body } = await api.json<{ status: string }>(`/api/jobs/${id}?wait=30&status=RUNNING`);
      return { status: body.status, ms: Date.now() - started };
    })();
    await new Promise((r) => setTimeout(r, 200));
    const cancelled = await fetch(`${home.baseUrl}/api/jobs/${id}`, { method: 'DELETE' });
    expect(cancelled.status).toBe(204);
    const answer = await waiting;
    expect(['CANCELLING', 'INTERRUPTED']).toContain(answer.status);
    expect(answer.ms).toBeLessThan(WATCH_INTERVAL_MS / 4);
    expect((await api.waitForState(id, FINISHED)).status).toBe('INTERRUPTED');
  });
});
