import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApiClient, FINISHED } from '../helpers/api-client';
import { makeDamsonHome, REPO_ROOT, type DamsonHome } from '../helpers/damson-home';
import { childPids, startDamson, type RunningDamson } from '../helpers/damson-process';
import { openSse, outputText } from '../helpers/sse-client';
import { waitFor } from '../helpers/wait-for';

/**
 * Live output with real processes (`damson start`: server, scheduler, local agent, real tools):
 * a tail client sees each line of a running tool within a second, a resumed stream repeats and
 * skips nothing, and stalled readers do not make the server buffer what they have not read.
 */
jest.setTimeout(90_000);

const SERVICES = path.join(REPO_ROOT, 'test/fixtures/live-services');
const STREAMS_PER_JOB = 50;

let home: DamsonHome;
let damson: RunningDamson;
let api: ApiClient;

beforeAll(async () => {
  // Separate processes: the memory test reads the server's own resident set.
  home = await makeDamsonHome(
    { 'api.file-events.max-per-job': STREAMS_PER_JOB, 'supervisor.processes': 'separate' },
    SERVICES,
  );
  // Three processes starting at once on a busy CI machine can take a while.
  damson = await startDamson(home, ['start'], 45_000);
  api = new ApiClient(home.baseUrl);
});

afterAll(async () => {
  await damson?.stop();
});

async function submit(service: string, fields: Record<string, string>): Promise<string> {
  const form = new URLSearchParams(fields);
  const submitted = await api.submit(service, form);
  expect(submitted.status).toBe(202);
  return submitted.body.id;
}

/** Waits until the job's output exists (the tool started), so its events route answers. */
async function eventsUrl(id: string, file = 'stdout'): Promise<string> {
  await waitFor(
    async () => ((await api.files(id)).some((f) => f.path === file) ? true : undefined),
    `${file} of ${id}`,
  );
  return `${home.baseUrl}/api/jobs/${id}/files/${file}/events`;
}

const fileOf = (id: string, file: string): string => {
  const dir = `${id.slice(-2)}/${id.slice(-4, -2)}/${id.slice(0, -4)}`;
  return path.join(home.home, 'media', 'jobs', dir, file);
};

describe('output event streams (real processes)', () => {
  it('shows every line of a running tool within 1 s of its writing, then ends', async () => {
    const id = await submit('ticker', { count: '25', interval: '100' });
    const stream = openSse(await eventsUrl(id));
    expect(await stream.status).toBe(200);
    await stream.ended;
    const job = await api.job(id);
    expect(job.status).toBe('COMPLETED');
    // Every line, in order, arrived within 1 s of the time the tool wrote into it.
    const seen = new Map<number, number>();
    let text = '';
    for (const event of stream.events.filter((e) => e.event === 'output')) {
      text += JSON.parse(event.data) as string;
      for (const match of text.matchAll(/^tick (\d+) é🌱 (\d+)$/gm)) {
        if (!seen.has(Number(match[1]))) seen.set(Number(match[1]), event.at - Number(match[2]));
      }
    }
    expect([...seen.keys()]).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(Math.max(...seen.values())).toBeLessThan(1000);
    // The stream is the file, byte for byte, and its last event says where it ended.
    expect(text).toBe(readFileSync(fileOf(id, 'stdout'), 'utf8'));
    const last = stream.events[stream.events.length - 1];
    expect(last.event).toBe('end');
    expect(last.id).toBe(String(Buffer.byteLength(text)));
    // A browser reconnecting after the end is told to stop.
    const again = openSse(`${home.baseUrl}/api/jobs/${id}/files/stdout/events`, {
      'Last-Event-ID': String(last.id),
    });
    expect(await again.status).toBe(204);
  });

  it('resumes from Last-Event-ID without repeating or skipping a byte', async () => {
    const id = await submit('ticker', { count: '30', interval: '50' });
    const url = await eventsUrl(id);
    const first = openSse(url);
    await waitFor(
      async () => (first.events.filter((e) => e.event === 'output').length >= 3 ? true : undefined),
      'three output events',
    );
    first.close();
    const outputs = first.events.filter((e) => e.event === 'output');
    const resumeAt = outputs[outputs.length - 1].id ?? '';
    const second = openSse(url, { 'Last-Event-ID': resumeAt });
    await second.ended;
    const whole = outputText(outputs) + outputText(second.events);
    expect(whole).toBe(readFileSync(fileOf(id, 'stdout'), 'utf8'));
    expect(outputText(outputs)).toHaveLength(
      Buffer.from(readFileSync(fileOf(id, 'stdout')).subarray(0, Number(resumeAt))).toString()
        .length,
    );
  });

  it('refuses a Last-Event-ID that is not a byte offset with 400', async () => {
    const id = await submit('ticker', { count: '2', interval: '10' });
    const res = await fetch(await eventsUrl(id), { headers: { 'Last-Event-ID': '-1; drop' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { parameter: string } }).error.parameter).toBe(
      'Last-Event-ID',
    );
  });
});

interface ProgressBody {
  status: string;
  progress?: { percent: number; message: string; updatedAt: string };
}

describe('progress (service key progress: a pattern over stderr)', () => {
  it('shows an increasing percent in long-poll answers while the job runs', async () => {
    const id = await submit('ticker', { count: '20', interval: '150' });
    const answers: { percent: number | null; status: string; at: number }[] = [];
    let status = 'PENDING';
    let progress = 'none';
    while (!FINISHED.includes(status)) {
      const { body } = await api.json<ProgressBody>(
        `/api/jobs/${id}?wait=10&status=${status}&progress=${progress}`,
      );
      status = body.status;
      progress = body.progress ? String(body.progress.percent) : 'none';
      answers.push({ percent: body.progress?.percent ?? null, status, at: Date.now() });
    }
    const running = answers.filter((a) => a.status === 'RUNNING' && a.percent !== null);
    const percents = running.map((a) => a.percent as number);
    // Several distinct readings while it ran, never going back.
    expect(new Set(percents).size).toBeGreaterThanOrEqual(3);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    // Rate-limited: at most 2 progress answers per second (plus the first), however fast it moves.
    const spanS = (running[running.length - 1].at - running[0].at) / 1000;
    expect(running.length).toBeLessThanOrEqual(2 * spanS + 2);
    // The finished job still shows where it ended.
    const finished = await api.json<ProgressBody>(`/api/jobs/${id}`);
    expect(finished.body.progress?.percent).toBe(100);
    expect(finished.body.progress?.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });

  it('pushes progress to job event streams', async () => {
    const id = await submit('ticker', { count: '15', interval: '150' });
    const stream = openSse(`${home.baseUrl}/api/jobs/${id}/events`);
    await stream.ended;
    const percents = stream.events
      .map((e) => (JSON.parse(e.data) as ProgressBody).progress?.percent)
      .filter((p): p is number => p !== undefined);
    expect(new Set(percents).size).toBeGreaterThanOrEqual(3);
  });

  it('refuses a progress query that is not a percent', async () => {
    const id = await submit('ticker', { count: '1', interval: '10' });
    const res = await api.json<{ error: { parameter: string } }>(
      `/api/jobs/${id}?wait=1&progress=lots`,
    );
    expect(res.status).toBe(400);
    expect(res.body.error.parameter).toBe('progress');
  });
});

/** The server process's resident set, in KiB (Linux /proc). */
function serverRssKiB(): number {
  const server = childPids(damson.process.pid ?? 0).find((pid) =>
    readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('server'),
  );
  if (!server) throw new Error('no server process');
  const status = readFileSync(`/proc/${server}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
}

/** A stream client that reads the response headers and then stops reading (a stalled reader). */
function stalledReader(url: URL): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(`GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
    });
    socket.once('data', (chunk: Buffer) => {
      expect(chunk.toString()).toMatch(/^HTTP\/1\.1 200/);
      socket.pause();
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

describe('bounded memory with many readers', () => {
  /**
   * The bound: 50 stalled readers of an 8 MiB output grow the server's RSS by less than 48 MiB.
   * Buffering what they have not read would take 50 × 8 MiB = 400 MiB; each stream may hold one
   * 16 KiB chunk plus what the kernel's socket buffers took.
   */
  const BOUND_KIB = 48 * 1024;

  it(`keeps ${STREAMS_PER_JOB} stalled readers of a flooding tool within the bound`, async () => {
    const id = await submit('flood', { mebibytes: '8', linger: '4' });
    const url = new URL(await eventsUrl(id));
    const before = serverRssKiB();
    const readers = await Promise.all(
      Array.from({ length: STREAMS_PER_JOB }, () => stalledReader(url)),
    );
    try {
      // One more on this job is refused, naming the setting.
      const refused = await fetch(url);
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { error: { limit: string } }).error.limit).toBe(
        'api.file-events.max-per-job',
      );
      await waitFor(
        async () => (readFileSync(fileOf(id, 'stdout')).length >= 8 << 20 ? true : undefined),
        'the tool to write 8 MiB',
      );
      // Let every stream read as far as backpressure lets it.
      await new Promise((r) => setTimeout(r, 1500));
      const growth = serverRssKiB() - before;
      expect(growth).toBeLessThan(BOUND_KIB);
    } finally {
      for (const socket of readers) socket.destroy();
    }
    expect(FINISHED).toContain((await api.waitForState(id, FINISHED)).status);
  });
});
