import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApiClient, FINISHED } from '../helpers/api-client';
import { makeDamsonHome, REPO_ROOT, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { freePort } from '../helpers/free-port';

const NGINX = '/usr/sbin/nginx';
const SCRIPT = path.join(REPO_ROOT, 'scripts/nginx.sh');
const available = existsSync(NGINX);
if (!available && process.env.CI)
  throw new Error('nginx is required in CI (scripts/ci-deps.sh installs it)');
if (!available) {
  process.stdout.write(
    'nginx-proxy: skipped, nginx is not installed (run scripts/nginx.sh install)\n',
  );
}
const describeWithNginx = available ? describe : describe.skip;

jest.setTimeout(60_000);

/** Renders config/nginx.conf.example for a test home, as an administrator would. */
function renderConfig(home: DamsonHome, listenPort: number): string {
  const values: Record<string, string> = {
    USER: 'root',
    LISTEN: `127.0.0.1:${listenPort}`,
    UPSTREAM: `127.0.0.1:${home.port}`,
    JOBS_DIR: `${path.join(home.home, 'media/jobs')}/`,
    UPLOADS_DIR: `${path.join(home.home, 'media/uploads')}/`,
    JOBS_PATH: '/media/jobs',
    UPLOADS_PATH: '/media/uploads',
  };
  const template = readFileSync(path.join(REPO_ROOT, 'config/nginx.conf.example'), 'utf8');
  return template.replace(/@([A-Z_]+)@/g, (_m, key: string) => {
    if (!(key in values)) throw new Error(`unknown placeholder ${key}`);
    return values[key];
  });
}

describeWithNginx('Damson behind nginx (server.media: proxy)', () => {
  let home: DamsonHome;
  let damson: RunningDamson;
  let proxied: ApiClient;
  let direct: ApiClient;
  let runDir: string;

  const nginx = (...args: string[]): string =>
    execFileSync('bash', [SCRIPT, ...args], {
      env: { ...process.env, DAMSON_RUN: runDir },
      encoding: 'utf8',
    });

  beforeAll(async () => {
    home = await makeDamsonHome({ 'server.media': 'proxy' });
    runDir = path.join(home.home, 'run');
    damson = await startDamson(home);
    const port = await freePort();
    const conf = path.join(home.home, 'nginx.conf');
    writeFileSync(conf, renderConfig(home, port));
    nginx('start', conf, 'damson-test');
    proxied = new ApiClient(`http://127.0.0.1:${port}`);
    direct = new ApiClient(home.baseUrl);
  });

  afterAll(async () => {
    if (runDir) nginx('stop', 'damson-test');
    await damson?.stop();
  });

  it('proxies the API and serves outputs from disk as inert text', async () => {
    const html = '<html><script>alert(1)</script></html>\nsecond\n';
    const body = new FormData();
    body.append('input', new Blob([html]), 'page.html');
    body.append('lines', '1');
    const submitted = await proxied.submit('head', body);
    expect(submitted.status).toBe(202);
    const done = await proxied.waitForState(submitted.body.id, FINISHED);
    expect(done.status).toBe('COMPLETED');
    const stdout = (await proxied.files(done.id)).find((f) => f.path === 'stdout')!;
    const res = await fetch(`${proxied.baseUrl}${stdout['@content']}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<html><script>alert(1)</script></html>\n');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');

    // With server.media: proxy the app leaves the bytes to nginx.
    expect((await fetch(`${direct.baseUrl}${stdout['@content']}`)).status).toBe(404);

    // The linked input is a symlink into the uploads: nginx refuses to follow it.
    const input = stdout['@content'].replace(/stdout$/, 'input.txt');
    expect((await fetch(`${proxied.baseUrl}${input}`)).status).toBe(403);
    const traversal = await fetch(`${proxied.baseUrl}/media/jobs/..%2f..%2fsettings.yaml`);
    expect(traversal.status).not.toBe(200);
  });

  it('keeps /metrics from the site while the server port serves it, and proxies health', async () => {
    expect((await fetch(`${proxied.baseUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${direct.baseUrl}/metrics`)).status).toBe(200);
    expect((await fetch(`${proxied.baseUrl}/healthz`)).status).toBe(200);
  });

  it("never serves the agents' records (.damson-exit-N, .damson/...)", async () => {
    const body = new FormData();
    body.append('input', new Blob(['one\ntwo\n']), 'in.txt');
    const submitted = await proxied.submit('head', body);
    expect(submitted.status).toBe(202);
    const done = await proxied.waitForState(submitted.body.id, FINISHED);
    expect(done.status).toBe('COMPLETED');
    const stdout = (await proxied.files(done.id)).find((f) => f.path === 'stdout')!;
    const base = stdout['@content'].replace(/\/stdout$/, '');
    const dir = path.join(home.home, base.replace(/^\/media\/jobs\//, 'media/jobs/'));
    const exitRecord = readdirSync(dir).find((name) => name.startsWith('.damson-exit-'));
    expect(exitRecord).toBeDefined();
    // Cluster agents keep engine files here; a local job has none, so make one.
    mkdirSync(path.join(dir, '.damson'));
    writeFileSync(path.join(dir, '.damson', 'engine-1.log'), 'engine');
    expect((await fetch(`${proxied.baseUrl}${stdout['@content']}`)).status).toBe(200);
    for (const name of [
      exitRecord!,
      '.damson/engine-1.log',
      `%2E${exitRecord!.slice(1)}`,
      '%2Edamson/engine-1.log',
      'sub/../.damson/engine-1.log',
    ]) {
      const res = await fetch(`${proxied.baseUrl}${base}/${name}`);
      expect({ name, status: res.status }).toEqual({ name, status: 404 });
    }
  });
});
