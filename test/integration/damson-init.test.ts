import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiClient, FINISHED } from '../helpers/api-client';
import { REPO_ROOT } from '../helpers/damson-home';
import { DAMSON_BIN } from '../helpers/damson-process';
import { freePort } from '../helpers/free-port';
import { waitFor } from '../helpers/wait-for';

const NGINX = '/usr/sbin/nginx';
const NGINX_SCRIPT = path.join(REPO_ROOT, 'scripts/nginx.sh');
const withNginx = existsSync(NGINX);
if (!withNginx && process.env.CI)
  throw new Error('nginx is required in CI (scripts/ci-deps.sh installs it)');

jest.setTimeout(60_000);

/** `damson ...` as an operator types it: in `cwd`, with no DAMSON_HOME or SLIVKA_HOME. */
function damson(cwd: string, ...args: string[]) {
  const env = { ...process.env };
  delete env.DAMSON_HOME;
  delete env.SLIVKA_HOME;
  return spawnSync(process.execPath, [DAMSON_BIN, ...args], { cwd, env, encoding: 'utf8' });
}

/** `damson init site && cd site && damson start`, then the example through nginx.conf as written. */
describe('damson init', () => {
  let parent: string;
  let home: string;
  let port: number;
  let nginxPort: number;
  let started: ChildProcess | undefined;
  let output = '';
  const runDir = (): string => path.join(parent, 'run');
  const nginx = (...args: string[]): string =>
    execFileSync('bash', [NGINX_SCRIPT, ...args], {
      env: { ...process.env, DAMSON_RUN: runDir() },
      encoding: 'utf8',
    });

  beforeAll(async () => {
    parent = mkdtempSync(path.join(tmpdir(), 'damson-init-'));
    home = path.join(parent, 'site');
    [port, nginxPort] = [await freePort(), await freePort()];
    const init = damson(
      parent,
      'init',
      'site',
      '--prefix',
      '/damson',
      '--port',
      String(port),
      '--nginx-listen',
      `127.0.0.1:${nginxPort}`,
    );
    expect({ status: init.status, stderr: init.stderr }).toEqual({ status: 0, stderr: '' });
    // The agent link, wake and change addresses: free ones, so tests can run side by side.
    let settings = readFileSync(path.join(home, 'settings.yaml'), 'utf8');
    for (const fixed of [4041, 4042, 4043])
      settings = settings.replace(`127.0.0.1:${fixed}`, `127.0.0.1:${await freePort()}`);
    writeFileSync(path.join(home, 'settings.yaml'), settings);

    const env = { ...process.env };
    delete env.DAMSON_HOME;
    delete env.SLIVKA_HOME;
    started = spawn(process.execPath, [DAMSON_BIN, 'start'], {
      cwd: home,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    started.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor(
      async () => {
        if (started?.exitCode !== null) throw new Error(`damson start exited: ${output}`);
        return (await fetch(`http://127.0.0.1:${port}/damson/api/version`)).ok || undefined;
      },
      'the server to answer',
      30_000,
    );
  });

  afterAll(async () => {
    if (withNginx && parent) nginx('stop', 'init');
    if (started && started.exitCode === null) {
      const exited = new Promise((resolve) => started!.once('exit', resolve));
      started.kill('SIGTERM');
      await exited;
    }
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  async function runExample(api: ApiClient): Promise<string> {
    const body = new FormData();
    body.append('input', new Blob(['alpha\nbeta\ngamma\n']), 'in.txt');
    body.append('lines', '2');
    const submitted = await api.submit('example', body);
    expect(submitted.status).toBe(202);
    const done = await api.waitForState(submitted.body.id, FINISHED, 30_000);
    expect(done.status).toBe('COMPLETED');
    const stdout = (await api.files(done.id)).find((file) => file.path === 'stdout');
    expect(stdout?.['@content']).toMatch(/^\/damson\/media\/jobs\//);
    return stdout!['@content'];
  }

  it('starts as written and the example service completes', async () => {
    const api = new ApiClient(`http://127.0.0.1:${port}/damson`);
    const content = await runExample(api);
    expect(await (await fetch(`http://127.0.0.1:${port}${content}`)).text()).toBe('alpha\nbeta\n');
    expect(damson(home, 'check').status).toBe(0);
  });

  (withNginx ? it : it.skip)(
    'its nginx.conf passes nginx -t, proxies the API below the prefix and serves outputs from disk',
    async () => {
      nginx('start', path.join(home, 'nginx.conf'), 'init');
      const api = new ApiClient(`http://127.0.0.1:${nginxPort}/damson`);
      const content = await runExample(api);
      const res = await fetch(`http://127.0.0.1:${nginxPort}${content}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('alpha\nbeta\n');
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
      // nginx's static module tags what it reads from disk; the app never sends an ETag, and
      // nginx adds none to what it proxies: so these bytes came from disk, not from Damson.
      expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
      expect((await fetch(`http://127.0.0.1:${port}${content}`)).headers.get('etag')).toBeNull();
      const version = await fetch(`http://127.0.0.1:${nginxPort}/damson/api/version`);
      expect(version.status).toBe(200);
      expect(version.headers.get('etag')).toBeNull();
    },
  );

  const analyze = '/usr/bin/systemd-analyze';
  (existsSync(analyze) ? it : it.skip)('writes systemd units that systemd-analyze accepts', () => {
    const units = readdirSync(path.join(home, 'systemd'));
    expect(units).toHaveLength(5);
    const dir = mkdtempSync(path.join(parent, 'units-'));
    for (const unit of units)
      // A template is verified as the instance an operator enables.
      copyFileSync(
        path.join(home, 'systemd', unit),
        path.join(dir, unit.replace('@.', `@${port}.`)),
      );
    const verified = spawnSync(
      analyze,
      ['verify', '--man=no', ...readdirSync(dir).map((unit) => path.join(dir, unit))],
      { encoding: 'utf8' },
    );
    expect({ status: verified.status, stderr: verified.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('refuses to overwrite any file, naming it, and writes nothing', () => {
    const again = damson(parent, 'init', 'site');
    expect(again.status).toBe(2);
    expect(again.stderr).toContain(path.join(home, 'settings.yaml'));

    const partial = path.join(parent, 'partial');
    mkdirSync(partial);
    writeFileSync(path.join(partial, 'nginx.conf'), 'mine\n');
    const refused = damson(partial, 'init');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`${path.join(partial, 'nginx.conf')} already exists`);
    expect(readFileSync(path.join(partial, 'nginx.conf'), 'utf8')).toBe('mine\n');
    expect(existsSync(path.join(partial, 'settings.yaml'))).toBe(false);
    expect(existsSync(path.join(partial, 'services'))).toBe(false);

    // Every bad prefix is a unit test (test/unit/init-home.test.ts); here, one end to end.
    const bad = damson(parent, 'init', 'bad', '--prefix', '/a;b');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--prefix');
    expect(existsSync(path.join(parent, 'bad', 'settings.yaml'))).toBe(false);
  });
});
