import { appendFileSync, mkdirSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import path from 'node:path';
import { jobDirectoryRelative, newJobId } from '../../src/jobs';
import { startApiApp, type ApiApp } from '../helpers/api-app';
import { openSse, outputText, type SseStream } from '../helpers/sse-client';
import { waitFor } from '../helpers/wait-for';

/**
 * Output event streams share one reader per job and output (file-feed.ts): the real app in this
 * process over a real file that the test appends to, so the server's open files can be counted.
 */
let app: ApiApp;

beforeAll(async () => {
  app = await startApiApp({
    'api.watch-interval': 50,
    'api.file-events.poll-interval': 50,
    'api.file-events.max-per-job': 100,
  });
});
afterAll(async () => {
  await app?.close();
});

/** A job of `words` (stdout is one of its outputs) with an empty stdout. */
async function jobWithStdout(): Promise<{ id: string; stdout: string; url: string }> {
  const id = newJobId();
  const workDir = jobDirectoryRelative(id);
  await app.store.insertJob({ id, service: 'words', inputs: {}, parameters: {}, workDir });
  const dir = path.join(app.settings.directories.jobs, workDir);
  mkdirSync(dir, { recursive: true });
  const stdout = path.join(dir, 'stdout');
  appendFileSync(stdout, '');
  return { id, stdout, url: `${app.baseUrl}/api/jobs/${id}/files/stdout/events` };
}

/** How many descriptors this process has open on `file`. */
const openCount = (file: string): number =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  }).length;

const line = (i: number): string => `line ${i} é🌱 ${'.'.repeat(i % 50)}\n`;

describe('one feed per job and output', () => {
  it('gives 30 streams every byte from where each started, through one open file', async () => {
    const { id, stdout, url } = await jobWithStdout();
    for (let i = 0; i < 20; i++) appendFileSync(stdout, line(i));
    const history = readFileSync(stdout);
    // From the start, from the middle of a character, from the end.
    const starts = [0, history.indexOf('é') + 1, history.length];
    const streams: { from: number; stream: SseStream }[] = [];
    for (let i = 0; i < 30; i++) {
      const from = starts[i % starts.length];
      streams.push({ from, stream: openSse(`${url}?from=${from}`) });
    }
    for (const { stream } of streams) expect(await stream.status).toBe(200);
    expect(openCount(stdout)).toBe(1);
    for (let i = 20; i < 60; i++) {
      appendFileSync(stdout, line(i));
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(openCount(stdout)).toBe(1);
    await app.store.requestCancel(id);
    const whole = readFileSync(stdout);
    for (const { from, stream } of streams) {
      await stream.ended;
      expect(outputText(stream.events)).toBe(whole.subarray(from).toString());
      const last = stream.events[stream.events.length - 1];
      expect(last).toMatchObject({ event: 'end', id: String(whole.length) });
      // Coalesced: a write every 10 ms for 0.4 s, sent in a few batches, not one event a line.
      expect(stream.events.length).toBeLessThan(20);
    }
    await waitFor(async () => (openCount(stdout) === 0 ? true : undefined), 'the file closed');
  });

  it('lets a stalled reader fall behind, then catch up from the file, skipping nothing', async () => {
    const { id, stdout, url } = await jobWithStdout();
    const live = openSse(url);
    expect(await live.status).toBe(200);
    const stalled = await pausedStream(url);
    // Enough to fill both sockets' kernel buffers and the server's allowance past them.
    const block = line(7).repeat(Math.ceil((64 * 1024) / line(7).length));
    for (let i = 0; i < 320; i++) appendFileSync(stdout, block);
    const size = readFileSync(stdout).length;
    await waitFor(
      async () => (live.events.some((e) => e.id === String(size)) ? true : undefined),
      'the live reader to get everything',
    );
    stalled.res.resume();
    await app.store.requestCancel(id);
    const [text] = await Promise.all([stalled.text, live.ended]);
    const whole = readFileSync(stdout, 'utf8');
    expect(outputText(live.events)).toBe(whole);
    const events = parseEvents(text);
    expect(events.map((e) => e.data).join('')).toBe(whole);
    // It read on its own while behind: offsets the shared events never stopped at.
    const shared = new Set(live.events.map((e) => e.id));
    expect(events.some((e) => !shared.has(e.id))).toBe(true);
  });
});

describe('server shutdown', () => {
  // Last in this file: it stops the app's job watcher.
  it('ends open output streams and frees the file when the server stops watching', async () => {
    const { stdout, url } = await jobWithStdout();
    const streams = [openSse(url), openSse(url)];
    for (const stream of streams) expect(await stream.status).toBe(200);
    appendFileSync(stdout, line(1));
    app.ctx.watcher?.close();
    await Promise.all(streams.map((s) => s.ended));
    await waitFor(async () => (openCount(stdout) === 0 ? true : undefined), 'the file closed');
  });
});

/** A stream whose reader takes the headers and then stops reading until resumed. */
function pausedStream(url: string): Promise<{ res: IncomingMessage; text: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      res.pause();
      const chunks: Buffer[] = [];
      const text = new Promise<string>((done) => {
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(Buffer.concat(chunks).toString()));
      });
      resolve({ res, text });
    });
    req.on('error', reject);
    req.end();
  });
}

function parseEvents(text: string): { id: string; data: string }[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event: output'))
    .map((block) => {
      const fields = new Map(
        block.split('\n').map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]),
      );
      return { id: fields.get('id') ?? '', data: JSON.parse(fields.get('data') ?? '""') as string };
    });
}
