import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ApiClient } from '../helpers/api-client';
import { REPO_ROOT } from '../helpers/damson-home';
import { SchedulerHarness, type DamsonChild } from '../helpers/scheduler-harness';
import { waitFor } from '../helpers/wait-for';

/**
 * Webhooks end to end: a real receiver on 127.0.0.1, the server taking `callback=`, the
 * scheduler's deliverer POSTing signed job JSON and retrying across its own restart.
 */
jest.setTimeout(90_000);

const SERVICES = path.join(REPO_ROOT, 'test/fixtures/story-services');
const SECRET = 'test-webhook-secret-0123456789abcdef';

interface Receipt {
  at: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver that can go away and come back on the same port. */
class Receiver {
  readonly receipts: Receipt[] = [];
  private server: http.Server | null = null;
  port = 0;

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        this.receipts.push({ at: Date.now(), headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  forJob(id: string): Receipt[] {
    return this.receipts.filter((r) => (JSON.parse(r.body) as { id: string }).id === id);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook?token=abc`;
  }
}

let h: SchedulerHarness;
let api: ApiClient;
let scheduler: DamsonChild;
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.start();
  h = await SchedulerHarness.create(
    {
      // Loopback is never allowed by default: the test names it, as an operator would have to.
      'api.webhooks.allowed-hosts': ['127.0.0.1'] as unknown as string,
      'api.webhooks.secret': SECRET,
      'api.webhooks.poll-interval': 200,
      'api.webhooks.retry-base-delay': 300,
      'api.webhooks.retry-max-delay': 1500,
      'api.webhooks.request-timeout': 2000,
    },
    SERVICES,
  );
  scheduler = h.scheduler();
  h.agent();
  h.start(['server']);
  api = new ApiClient(h.home.baseUrl);
  await waitFor(
    async () => (await fetch(`${h.home.baseUrl}/api/version`).catch(() => null))?.ok || undefined,
    'the server to answer',
    30_000,
  );
});

afterAll(async () => {
  await h?.close();
  await receiver.stop();
});

async function submitWithCallback(seconds: string, query = ''): Promise<string> {
  const form = new URLSearchParams({ seconds, code: '0' });
  const callback = encodeURIComponent(receiver.url);
  const { status, body } = await api.json<{ id: string }>(
    `/api/services/sleeper/jobs?callback=${callback}${query}`,
    { method: 'POST', body: form },
  );
  expect(status).toBe(202);
  return body.id;
}

/** The signature a receiver computes, as docs/api.md tells it to. */
function verify(receipt: Receipt): boolean {
  const header = String(receipt.headers['damson-signature']);
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const expected = createHmac('sha256', SECRET).update(`${match[1]}.${receipt.body}`).digest('hex');
  return expected === match[2] && Math.abs(Date.now() / 1000 - Number(match[1])) < 300;
}

it('POSTs the signed job within 2 s of its end, and lists the delivery on the job', async () => {
  const id = await submitWithCallback('0.2');
  const done = await h.waitForState(id, ['COMPLETED'], 45_000);
  const finishedAt = done.history.at(-1)!.at.getTime();
  const [receipt] = await waitFor(
    async () => (receiver.forJob(id).length ? receiver.forJob(id) : undefined),
    'the webhook',
    5000,
    20,
  );
  expect(receipt.at - finishedAt).toBeLessThanOrEqual(2000);
  expect(verify(receipt)).toBe(true);
  expect(receipt.headers['content-type']).toMatch(/^application\/json/);
  expect(receipt.headers['damson-delivery']).toMatch(/\S/);
  expect(receipt.headers['damson-event']).toBe('COMPLETED');
  const body = JSON.parse(receipt.body) as Record<string, unknown>;
  expect(body).toMatchObject({ id, status: 'COMPLETED', finished: true });
  expect(body.event).toEqual({ status: 'COMPLETED', delivery: receipt.headers['damson-delivery'] });
  // A tampered body fails the check.
  expect(verify({ ...receipt, body: receipt.body.replace('COMPLETED', 'FAILED') })).toBe(false);
  const listed = await waitFor(async () => {
    const { body: list } = await api.json<{ deliveries: { state: string }[] }>(
      `/api/jobs/${id}/deliveries`,
    );
    return list.deliveries[0]?.state === 'delivered' ? list : undefined;
  }, 'the delivery to be recorded');
  expect(listed.deliveries).toEqual([
    expect.objectContaining({
      id: receipt.headers['damson-delivery'],
      event: 'COMPLETED',
      state: 'delivered',
      attempts: [expect.objectContaining({ statusCode: 204, error: null })],
    }),
  ]);
});

it('delivers after the receiver was down 10 s and the scheduler was killed meanwhile, once', async () => {
  await receiver.stop();
  const downAt = Date.now();
  const id = await submitWithCallback('0.1');
  await h.waitForState(id, ['COMPLETED'], 20_000);
  // The deliverer has tried and failed at least once before it dies.
  const failing = await waitFor(
    async () => {
      const [delivery] = await h.store.listDeliveries(id);
      return delivery && delivery.attemptCount >= 1 ? delivery : undefined;
    },
    'a failed attempt',
    10_000,
    50,
  );
  expect(failing.state).toBe('pending');
  expect(failing.attempts[0].statusCode).toBeNull();
  expect(failing.attempts[0].error).toMatch(/ECONNREFUSED/);
  await scheduler.kill('SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, 10_000 - (Date.now() - downAt))));
  await receiver.start();
  scheduler = h.scheduler();
  const [receipt] = await waitFor(
    async () => (receiver.forJob(id).length ? receiver.forJob(id) : undefined),
    'the delivery after the restarts',
    20_000,
    50,
  );
  expect(verify(receipt)).toBe(true);
  expect(receipt.headers['damson-delivery']).toBe(failing.id);
  // Recorded as delivered, and never sent again.
  await waitFor(
    async () => ((await h.store.listDeliveries(id))[0]?.state === 'delivered' ? true : undefined),
    'the delivery to be recorded',
  );
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(receiver.forJob(id)).toHaveLength(1);
});

it('shows a waiting job its queue position and start estimate, on submission and on GET', async () => {
  const submit = () =>
    api.json<{ id: string; queuePosition?: number; estimatedStart?: string | null }>(
      '/api/services/sleeper/jobs?not-before=3600',
      { method: 'POST', body: new URLSearchParams({ seconds: '0', code: '0' }) },
    );
  // One completed run of the service to estimate from.
  const { body: ran } = await api.json<{ id: string }>('/api/services/sleeper/jobs', {
    method: 'POST',
    body: new URLSearchParams({ seconds: '0.2', code: '0' }),
  });
  await h.waitForState(ran.id, ['COMPLETED'], 30_000);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const first = (await submit()).body;
  const second = (await submit()).body;
  expect(first.queuePosition).toBe(0);
  expect(second.queuePosition).toBe(1);
  // The plain GET every client polls (the lean route), and a long-poll that returns at once.
  for (const query of ['', '?wait=1&status=PENDING']) {
    const { body } = await api.json<Record<string, unknown>>(`/api/jobs/${second.id}${query}`);
    expect(body).toMatchObject({ status: 'QUEUED', queuePosition: 1 });
    // The service has completed runs above: an estimate, never before the not-before time.
    expect(new Date(`${String(body.estimatedStart)}Z`).getTime()).toBeGreaterThan(
      Date.now() + 3_500_000,
    );
  }
  for (const { id } of [first, second]) await api.json(`/api/jobs/${id}`, { method: 'DELETE' });
  const { body: gone } = await api.json<Record<string, unknown>>(`/api/jobs/${second.id}`);
  expect(gone).toMatchObject({ status: 'DELETED', reason: 'cancelled before it started' });
  expect(gone).not.toHaveProperty('queuePosition');
});

it('refuses a callback outside the allow-list with a 422 naming the setting, and makes no job', async () => {
  const refused = [
    'http://10.0.0.1/hook',
    'http://localhost:8080/hook',
    'http://169.254.169.254/latest/meta-data',
    `http://user:secret@127.0.0.1:${receiver.port}/hook`,
    `ftp://127.0.0.1:${receiver.port}/hook`,
    'not a url',
  ];
  for (const url of refused) {
    const { status, body } = await api.json<{ error: Record<string, unknown> }>(
      `/api/services/sleeper/jobs?callback=${encodeURIComponent(url)}`,
      { method: 'POST', body: new URLSearchParams({ seconds: '0', code: '0' }) },
    );
    expect([url, status]).toEqual([url, 422]);
    expect(body.error).toMatchObject({ code: 'callback_refused', parameter: 'callback' });
    expect(String(body.error.setting)).toMatch(/^api\.webhooks\./);
  }
  const { body } = await api.json<{ error: Record<string, unknown> }>(
    `/api/services/sleeper/jobs?callback=${encodeURIComponent('http://10.0.0.1/hook')}`,
    { method: 'POST', body: new URLSearchParams({ seconds: '0', code: '0' }) },
  );
  expect(body.error.setting).toBe('api.webhooks.allowed-hosts');
  expect(String(body.error.message)).toContain('api.webhooks.allowed-hosts');
  expect((await h.store.listJobs({ limit: 100 })).jobs).toHaveLength(5);
});
