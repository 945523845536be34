import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clientDirectories, runJobsCli } from '../helpers/jobs-cli';

/**
 * A hostile server (no real server sends this, so a small one in the test does): escape
 * sequences in every text the client prints, output paths leading out of the download
 * directory, a link to another host that must not get the token, an endless answer.
 */
const ESC = '\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202e';
const TOKEN = 'hostile-test-token-0123456789';
const SAFE_ID = 'EvilJob000000001';

function listen(
  handler: Parameters<typeof createServer>[1],
): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

let hostile: { server: Server; url: string };
let other: { server: Server; url: string };
const otherHeaders: IncomingHttpHeaders[] = [];

const job = (id: string) => ({
  '@url': `/api/jobs/${id}`,
  id,
  service: `tool${ESC}`,
  status: 'FAILED',
  finished: true,
  submissionTime: `2026-01-01T00:00:00${ESC}`,
  completionTime: null,
  reason: `because${ESC}`,
  parameters: { [`p${ESC}`]: `v${ESC}` },
});

beforeAll(async () => {
  other = await listen((req, res) => {
    otherHeaders.push(req.headers);
    res.end('elsewhere');
  });
  hostile = await listen((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = req.url ?? '';
    if (url === '/api/services') {
      // An answer that never ends: the client must stop reading at its bound.
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const pump = () => {
        while (res.write(chunk));
      };
      res.on('drain', pump);
      res.on('close', () => res.off('drain', pump));
      pump();
      return;
    }
    if (url === `/api/jobs/${SAFE_ID}`) return send(200, job(SAFE_ID));
    if (url === `/api/jobs/${SAFE_ID}/files`)
      return send(200, {
        files: [
          {
            '@url': '/f/1',
            '@content': '/c/1',
            id: 'x',
            path: 'fine.txt',
            label: ESC,
            mediaType: '',
          },
          {
            '@url': '/f/2',
            '@content': '/c/2',
            id: 'y',
            path: '../../escaped.txt',
            label: '',
            mediaType: '',
          },
        ],
      });
    if (url === '/api/jobs/OtherHost0000001') return send(200, job('OtherHost0000001'));
    if (url === '/api/jobs/OtherHost0000001/files')
      return send(200, {
        files: [
          {
            '@url': '/f/3',
            '@content': `${other.url}/steal`,
            id: 'z',
            path: 'out.txt',
            label: '',
            mediaType: '',
          },
        ],
      });
    if (url.startsWith('/c/')) return void res.end('content');
    if (url.startsWith('/api/services/tool/jobs'))
      return send(422, {
        errors: [{ parameter: `code${ESC}`, errorCode: 'x', message: `bad${ESC}` }],
      });
    send(404, { error: { code: 'not_found', message: `no ${ESC}` } });
  });
});

afterAll(() => {
  hostile.server.closeAllConnections();
  hostile.server.close();
  other.server.close();
});

const env = () => ({ ...clientDirectories(), DAMSON_URL: hostile.url, DAMSON_TOKEN: TOKEN });
// eslint-disable-next-line no-control-regex
const ACTIVE = /[\u001b\u0007\u009b\u202e]/;

describe('damson jobs against a hostile server', () => {
  it('prints no control character the server sent, in text, tables, JSON or errors', async () => {
    const runs = await Promise.all([
      runJobsCli(['status', SAFE_ID], env()),
      runJobsCli(['status', SAFE_ID, '--json'], env()),
      runJobsCli(['wait', SAFE_ID], env()),
      runJobsCli(['files', SAFE_ID], env()),
      runJobsCli(['submit', 'tool', 'code=1'], env()),
      runJobsCli(['status', 'NoSuchJob0000001'], env()),
    ]);
    for (const run of runs) {
      expect(run.stdout).not.toMatch(ACTIVE);
      expect(run.stderr).not.toMatch(ACTIVE);
    }
    expect(runs[0].stdout).toContain('tool\\x1b]0;pwned\\x07');
    expect(JSON.parse(runs[1].stdout).service).toBe(`tool${ESC}`);
    expect(runs[2].code).toBe(1);
    expect(runs[4].code).toBe(3);
    expect(runs[4].stderr).toContain("parameter 'code\\x1b");
  });

  it('never writes outside the download directory, and writes nothing when one path is refused', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'damson-hostile-'));
    const target = path.join(root, 'a', 'b');
    const run = await runJobsCli(['download', SAFE_ID, target], env());
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/output path that is refused/);
    expect(existsSync(path.join(root, 'escaped.txt'))).toBe(false);
    expect(existsSync(path.join(target, 'fine.txt'))).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });

  it('sends the token only to its own server, not to a link on another host', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'damson-hostile-'));
    const run = await runJobsCli(['download', 'OtherHost0000001', dir], env());
    expect(run.code).toBe(0);
    expect(readFileSync(path.join(dir, 'out.txt'), 'utf8')).toBe('elsewhere');
    expect(otherHeaders).toHaveLength(1);
    expect(otherHeaders[0].authorization).toBeUndefined();
  });

  it('stops reading an endless answer at its bound (exit 3)', async () => {
    const run = await runJobsCli(['services'], env());
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/over \d+ bytes/);
  });
});
