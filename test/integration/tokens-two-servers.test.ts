import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeDamsonHome, REPO_ROOT, type DamsonHome } from '../helpers/damson-home';
import { DAMSON_BIN, startDamson, type RunningDamson } from '../helpers/damson-process';
import { freePort } from '../helpers/free-port';
import { rawRequest } from '../helpers/raw-http';

/**
 * Two `damson server` processes sharing one store, behind a real nginx that alternates between
 * them: tokens made by the CLI work on both, a revocation reaches both within api.token-cache,
 * and a rate limit is the configured allowance, not one per server.
 */
const NGINX = '/usr/sbin/nginx';
const SCRIPT = path.join(REPO_ROOT, 'scripts/nginx.sh');
const available = existsSync(NGINX);
if (!available && process.env.CI)
  throw new Error('nginx is required in CI (scripts/ci-deps.sh installs it)');
const describeWithNginx = available ? describe : describe.skip;

jest.setTimeout(60_000);

const run = promisify(execFile);
const TOKEN_CACHE_MS = 1000;
const REQUESTS_PER_WINDOW = 10;
/** An hour: the epoch-aligned window is then far more likely to hold the whole test. */
const WINDOW_MS = 3_600_000;

/** A second server's home: the first one's store and directories, its own port. */
async function secondHome(first: DamsonHome, settings: string): Promise<DamsonHome> {
  const port = await freePort();
  const home = path.join(first.home, 'second');
  mkdirSync(home);
  const lines = settings
    .split('\n')
    .filter((line) => !/^(server\.host|directory\.services):/.test(line));
  lines.push(
    `server.host: "127.0.0.1:${port}"`,
    `directory.services: ${JSON.stringify(path.join(first.home, 'services'))}`,
    `directory.data: ${JSON.stringify(path.join(first.home, 'data'))}`,
    `directory.uploads: ${JSON.stringify(path.join(first.home, 'media/uploads'))}`,
    `directory.jobs: ${JSON.stringify(path.join(first.home, 'media/jobs'))}`,
  );
  writeFileSync(path.join(home, 'settings.yaml'), `${lines.join('\n')}\n`);
  return { home, port, baseUrl: `http://127.0.0.1:${port}` };
}

function nginxConfig(listen: number, upstreams: number[]): string {
  return `
worker_processes 1;
error_log error.log warn;
events { worker_connections 256; }
http {
  log_format upstream '$upstream_addr $status';
  access_log logs/access.log upstream;
  client_body_temp_path tmp/client_body;
  proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fastcgi;
  uwsgi_temp_path tmp/uwsgi;
  scgi_temp_path tmp/scgi;
  upstream damson {
${upstreams.map((port) => `    server 127.0.0.1:${port};`).join('\n')}
  }
  server {
    listen 127.0.0.1:${listen};
    location / {
      proxy_pass http://damson;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`;
}

describeWithNginx('API tokens and rate limits across two servers behind nginx', () => {
  let first: DamsonHome;
  let second: DamsonHome;
  const servers: RunningDamson[] = [];
  let runDir = '';
  let proxy = '';

  const nginx = (...args: string[]): string =>
    execFileSync('bash', [SCRIPT, ...args], {
      env: { ...process.env, DAMSON_RUN: runDir },
      encoding: 'utf8',
    });

  const tokens = async (...args: string[]) =>
    run(process.execPath, [DAMSON_BIN, 'tokens', ...args], {
      env: { ...process.env, DAMSON_HOME: first.home, SLIVKA_HOME: '' },
    });

  beforeAll(async () => {
    first = await makeDamsonHome({
      'api.token-cache': TOKEN_CACHE_MS,
      'api.rate-limit.requests': REQUESTS_PER_WINDOW,
      'api.rate-limit.window': WINDOW_MS,
    });
    second = await secondHome(first, readFileSync(path.join(first.home, 'settings.yaml'), 'utf8'));
    servers.push(await startDamson(first, ['server']));
    servers.push(await startDamson(second, ['server']));
    runDir = path.join(first.home, 'run');
    const port = await freePort();
    const conf = path.join(first.home, 'nginx.conf');
    writeFileSync(conf, nginxConfig(port, [first.port, second.port]));
    nginx('start', conf, 'tokens-test');
    proxy = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    if (runDir) nginx('stop', 'tokens-test');
    await Promise.all(servers.map((s) => s.stop()));
  });

  const listWith = (base: string, secret: string) =>
    rawRequest(`${base}/api/jobs`, 'GET', { authorization: `Bearer ${secret}` });

  it('a token made by the CLI works on both servers at once, and a revocation reaches both within api.token-cache', async () => {
    // --requests 0: this client is not counted, so polling cannot trip the rate limit.
    const created = await tokens('create', 'ci-bot', '--scope', 'priority', '--requests', '0');
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^damson_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/shown only now/);
    for (const base of [first.baseUrl, second.baseUrl, proxy])
      expect((await listWith(base, secret)).status).toBe(200);
    const listed = (await tokens('list')).stdout;
    expect(listed).toMatch(/^ci-bot\tpriority\tactive\texpires never$/m);
    expect(listed).not.toContain(secret);

    // The SQLite file (and its write-ahead log) holds the name and hash, never the secret.
    const file = path.join(first.home, 'data/damson.sqlite');
    const bytes = Buffer.concat(
      [file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)),
    );
    expect(bytes.includes(Buffer.from('ci-bot'))).toBe(true);
    expect(bytes.includes(Buffer.from(secret))).toBe(false);

    // Both servers have the token cached now; revoke it and time until both refuse it.
    for (const base of [first.baseUrl, second.baseUrl])
      expect((await listWith(base, secret)).status).toBe(200);
    const revoked = await tokens('revoke', 'ci-bot');
    expect(revoked.stderr).toMatch(/within 1000 ms/);
    const revokedAt = Date.now();
    const refusedAfter: number[] = [];
    for (const base of [first.baseUrl, second.baseUrl]) {
      for (;;) {
        const res = await listWith(base, secret);
        if (res.status === 401) {
          expect(res.json()).toMatchObject({ error: { code: 'invalid_token' } });
          refusedAfter.push(Date.now() - revokedAt);
          break;
        }
        expect(res.status).toBe(200);
        expect(Date.now() - revokedAt).toBeLessThan(TOKEN_CACHE_MS + 5000);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    // Within the cache time (the CLI's own exit took some of it; headroom for a busy machine).
    expect(Math.max(...refusedAfter)).toBeLessThan(TOKEN_CACHE_MS + 2000);
    expect((await listWith(proxy, secret)).status).toBe(401);
    await expect(tokens('revoke', 'ci-bot')).rejects.toMatchObject({ code: 1 });
  });

  it('a rate limit holds across both servers: the configured allowance, not twice it', async () => {
    // Stay inside one epoch-aligned window (they are an hour long: a wait here is rare).
    const left = WINDOW_MS - (Date.now() % WINDOW_MS);
    if (left < 20_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
    // A client of its own, as nginx reports it to the servers (they trust the loopback proxy).
    const client = { 'x-forwarded-for': '203.0.113.7' };
    const statuses: number[] = [];
    for (let i = 0; i < REQUESTS_PER_WINDOW * 3; i += 1)
      statuses.push((await rawRequest(`${proxy}/api/services`, 'GET', client)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(REQUESTS_PER_WINDOW);
    expect(statuses.filter((s) => s === 429)).toHaveLength(REQUESTS_PER_WINDOW * 2);
    expect(statuses.slice(0, REQUESTS_PER_WINDOW).every((s) => s === 200)).toBe(true);
    // nginx really sent this client's requests to both servers.
    const log = readFileSync(path.join(runDir, 'tokens-test/logs/access.log'), 'utf8');
    const served = new Set(
      log
        .trim()
        .split('\n')
        .map((line) => line.split(' ')[0]),
    );
    expect(served).toEqual(new Set([`127.0.0.1:${first.port}`, `127.0.0.1:${second.port}`]));
    const okBy = new Map<string, number>();
    for (const line of log
      .trim()
      .split('\n')
      .slice(-REQUESTS_PER_WINDOW * 3)) {
      const [upstream, status] = line.split(' ');
      if (status === '200') okBy.set(upstream, (okBy.get(upstream) ?? 0) + 1);
    }
    expect(okBy.size).toBe(2);
  });
});
