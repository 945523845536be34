import { appendFileSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { makeDamsonHome, REPO_ROOT } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { freePort } from '../helpers/free-port';
import {
  CLI_SERVICES,
  clientDirectories,
  JOBS_BIN,
  runJobsCli,
  validJson,
  type CliResult,
} from '../helpers/jobs-cli';
import { parseCsv } from '../helpers/rfc4180';

jest.setTimeout(120_000);

const TOKEN = 'jobs-cli-test-token-0123456789';

interface Server {
  kind: 'damson' | 'slivka';
  baseUrl: string;
  damson: RunningDamson;
  env: Record<string, string>;
  work: string;
}

interface Job {
  id: string;
  status: string;
  parameters: Record<string, string | string[]>;
}

const servers: Server[] = [];

/**
 * Two real servers: Damson as it is, and Damson with `api.slivka-only` (no long-poll, events,
 * listing, rerun or Range), which answers like plain slivka v1.1, so the client's fallbacks run.
 * The first is reached through a profile with a token, the second through DAMSON_URL.
 */
async function startServer(kind: Server['kind']): Promise<Server> {
  const home = await makeDamsonHome({}, CLI_SERVICES);
  appendFileSync(
    path.join(home.home, 'settings.yaml'),
    `api.tokens: [{ name: cli, token: '${TOKEN}' }]\n` +
      (kind === 'slivka' ? 'api.slivka-only: true\n' : ''),
  );
  // Two process trees boot at once; give them room on a loaded machine.
  const damson = await startDamson(home, ['start'], 60_000);
  const dirs = clientDirectories();
  const env: Record<string, string> = { ...dirs };
  if (kind === 'damson') {
    mkdirSync(path.join(dirs.XDG_CONFIG_HOME, 'damson'), { recursive: true });
    const file = path.join(dirs.XDG_CONFIG_HOME, 'damson', 'client.yaml');
    writeFileSync(
      file,
      `default: test\nprofiles:\n  test: { url: '${home.baseUrl}/', token: '${TOKEN}' }\n`,
      { mode: 0o600 },
    );
  } else {
    env.DAMSON_URL = home.baseUrl;
    env.DAMSON_TOKEN = TOKEN;
  }
  const work = path.join(home.home, 'client-work');
  mkdirSync(work);
  return { kind, baseUrl: home.baseUrl, damson, env, work };
}

const cli = (server: Server, ...args: string[]): Promise<CliResult> => runJobsCli(args, server.env);

/** Runs `body` against both servers at once (half the wall time of one after the other). */
const onBoth = (body: (server: Server) => Promise<void>) => Promise.all(servers.map(body));

async function ok(server: Server, ...args: string[]): Promise<string> {
  const result = await cli(server, ...args);
  if (result.code !== 0)
    throw new Error(`${server.kind}: ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

async function submit(server: Server, ...values: string[]): Promise<string> {
  return (await ok(server, 'submit', 'tool', ...values)).trim();
}

beforeAll(async () => {
  servers.push(...(await Promise.all([startServer('damson'), startServer('slivka')])));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.damson.stop()));
});

describe('damson jobs against Damson and against a plain slivka v1.1 server', () => {
  it('services and service: a table and --json, with types, defaults and limits', async () => {
    await onBoth(async (server) => {
      const [list, one, plain] = await Promise.all([
        ok(server, 'services', '--json'),
        ok(server, 'service', 'tool', '--json'),
        ok(server, 'service', 'tool'),
      ]);
      expect(
        validJson<{ services: { id: string }[] }>('services', list).services.map((s) => s.id),
      ).toEqual(['tool']);
      const service = validJson<{
        parameters: { id: string; type: string; default: unknown; limits: string }[];
      }>('service', one);
      expect(service.parameters.find((p) => p.id === 'code')).toMatchObject({
        type: 'integer',
        default: 0,
        limits: '>=0; <=100',
      });
      expect(service.parameters.find((p) => p.id === 'tags')).toMatchObject({ type: 'text[]' });
      // Not a terminal: plain tab-separated lines, no colour codes.
      expect(plain).toContain('code\tinteger\tno\t0\t>=0; <=100\tExit code');
      expect(plain).not.toContain('\u001b');
    });
  });

  it('submit with a file, status, wait, files, download; last names the newest job', async () => {
    await onBoth(async (server) => {
      const input = path.join(server.work, 'input.bin');
      writeFileSync(input, randomBytes(600 * 1024));
      // Runs about a second, so `wait` really waits.
      const id = await submit(
        server,
        `input=@${input}`,
        'tags=a',
        'tags=b,c',
        'lines=4',
        'delay=300',
      );
      expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
      const waited = await cli(server, 'wait', 'last', '--json', '--interval', '0.2');
      expect(waited.code).toBe(0);
      const result = validJson<{ job: Job; via: string }>('wait', waited.stdout);
      expect(result.job).toMatchObject({ id, status: 'COMPLETED' });
      expect(result.job.parameters.tags).toEqual(['a', 'b,c']);
      // Damson streams the job's events; slivka has neither events nor long-poll: polling.
      expect(result.via).toBe(server.kind === 'damson' ? 'sse' : 'poll');

      const status = validJson<Job>('job', await ok(server, 'status', id, '--json'));
      expect(status).toMatchObject({ id, status: 'COMPLETED' });
      const files = validJson<{ files: { path: string; content: string }[] }>(
        'files',
        await ok(server, 'files', '--json'),
      );
      expect(files.files.map((f) => f.path).sort()).toEqual(['copy.bin', 'stderr', 'stdout']);

      const out = path.join(server.work, 'out');
      const download = validJson<{ files: { path: string; bytes: number }[] }>(
        'download',
        await ok(server, 'download', 'last', out, '--json'),
      );
      expect(download.files.find((f) => f.path === 'copy.bin')?.bytes).toBe(600 * 1024);
      expect(readFileSync(path.join(out, 'copy.bin')).equals(readFileSync(input))).toBe(true);
      expect(readFileSync(path.join(out, 'stdout'), 'utf8')).toBe(
        'line 1\nline 2\nline 3\nline 4\n',
      );
      expect(existsSync(path.join(out, 'copy.bin.part'))).toBe(false);

      // A partial download is resumed where the server declares Range support, else restarted.
      const copy = files.files.find((f) => f.path === 'copy.bin')!;
      const head = await fetch(new URL(copy.content, server.baseUrl));
      await head.body?.cancel();
      // The length is known up front: progress bars and a completeness check need it.
      expect(head.headers.get('content-length')).toBe(String(600 * 1024));
      const ranges = head.headers.get('accept-ranges') === 'bytes';
      if (server.kind === 'slivka') expect(ranges).toBe(false);
      const again = path.join(server.work, 'again');
      mkdirSync(again);
      const kept = 100 * 1024;
      // With Range the true first bytes are kept; without, junk that a wrong append would keep.
      writeFileSync(
        path.join(again, 'copy.bin.part'),
        ranges ? readFileSync(input).subarray(0, kept) : randomBytes(kept),
      );
      const resumed = validJson<{
        files: { resumedFrom: number; restarted: boolean; bytes: number }[];
      }>('download', await ok(server, 'download', id, again, '--file', 'copy.bin', '--json'));
      expect(resumed.files).toEqual([
        expect.objectContaining({
          bytes: 600 * 1024,
          resumedFrom: ranges ? kept : 0,
          restarted: !ranges,
        }),
      ]);
      expect(readFileSync(path.join(again, 'copy.bin')).equals(readFileSync(input))).toBe(true);
    });
  });

  it('list --status FAILED --csv: one row per failed job, values with commas, quotes and newlines intact', async () => {
    await onBoth(async (server) => {
      const notes = ['comma, "quoted" and\nnewline', 'plain', 'only, commas'];
      const [failed0, failed1, completed] = await Promise.all([
        submit(server, `note=${notes[0]}`, 'code=3', 'tags=x', 'tags=y,z'),
        submit(server, `note=${notes[1]}`, 'code=4'),
        submit(server, `note=${notes[2]}`),
      ]);
      const failed = [failed0, failed1];
      const ends = await Promise.all(
        [...failed, completed].map((id) => cli(server, 'wait', id, '--interval', '0.2')),
      );
      // A usage error (2) would say why on stderr: shown in the diff if it ever happens.
      const outcome = (r: CliResult) => ({ code: r.code, usage: r.code === 2 ? r.stderr : '' });
      expect(ends.map(outcome)).toEqual([1, 1, 0].map((code) => ({ code, usage: '' })));
      expect(ends[0].stdout.trim().split('\n').at(-1)).toBe(`${failed[0]} FAILED`);

      const csv = await ok(server, 'list', '--status', 'FAILED', '--csv', '--service', 'tool');
      const [header, ...rows] = parseCsv(csv);
      const column = (name: string) => header.indexOf(name);
      expect(header.slice(0, 5)).toEqual([
        'id',
        'service',
        'status',
        'submissionTime',
        'completionTime',
      ]);
      expect(rows.map((r) => r[column('id')]).sort()).toEqual([...failed].sort());
      for (const row of rows) expect(row).toHaveLength(header.length);
      const byId = new Map(rows.map((r) => [r[column('id')], r]));
      expect(byId.get(failed[0])![column('note')]).toBe(notes[0]);
      expect(byId.get(failed[0])![column('code')]).toBe('3');
      expect(JSON.parse(byId.get(failed[0])![column('tags')])).toEqual(['x', 'y,z']);
      expect(byId.get(failed[1])![column('note')]).toBe(notes[1]);
      expect(byId.get(failed[1])![column('tags')]).toBe('');

      const listed = validJson<{ source: string; jobs: Job[] }>(
        'list',
        await ok(server, 'list', '--json', '--since', '1h'),
      );
      // slivka has no listing: the jobs submitted from this machine, from the history.
      expect(listed.source).toBe(server.kind === 'damson' ? 'server' : 'history');
      expect(listed.jobs.map((j) => j.id)).toEqual(expect.arrayContaining([...failed, completed]));
    });
  });

  it('tail follows a live output to the end, by events, Range or whole re-fetch', async () => {
    await onBoth(async (server) => {
      await submit(server, 'lines=6', 'delay=150');
      const tail = validJson<{ via: string; text: string }>(
        'tail',
        await ok(server, 'tail', 'last', 'stdout', '--json', '--interval', '0.2'),
      );
      expect(tail.text).toBe('line 1\nline 2\nline 3\nline 4\nline 5\nline 6\n');
      if (server.kind === 'slivka') expect(tail.via).toBe('whole');
      const plain = await ok(server, 'tail', 'last', '--no-follow');
      expect(plain).toBe(tail.text);
    });
  });

  it('cancel a running job, wait reports it with exit 1, a second cancel says it already finished', async () => {
    await onBoth(async (server) => {
      const submitted = await ok(server, 'submit', 'tool', 'lines=200', 'delay=100', '--json');
      const { id } = validJson<Job>('submitted', submitted);
      const cancelled = validJson<{ cancelled: string[] }>(
        'cancel',
        await ok(server, 'cancel', '--json'),
      );
      expect(cancelled.cancelled).toEqual([id]);
      const waited = await cli(server, 'wait', id, '--json', '--interval', '0.2');
      expect(waited.code).toBe(1);
      expect(['DELETED', 'INTERRUPTED']).toContain(
        validJson<{ job: Job }>('wait', waited.stdout).job.status,
      );
      const again = validJson<{ finished: { id: string }[] }>(
        'cancel',
        await ok(server, 'cancel', id, '--json'),
      );
      expect(again.finished.map((f) => f.id)).toEqual([id]);
    });
  });

  it('rerun: the same parameters with one override (server route where there is one, else resubmitted)', async () => {
    await onBoth(async (server) => {
      const input = path.join(server.work, 'rerun.txt');
      writeFileSync(input, 'rerun input\n');
      const first = await submit(
        server,
        `input=@${input}`,
        'note=a, b',
        'code=7',
        'tags=p',
        'tags=q',
      );
      expect((await cli(server, 'wait', first, '--interval', '0.2')).code).toBe(1);
      const rerun = validJson<Job & { rerunOf: string; via: string }>(
        'submitted',
        await ok(server, 'rerun', 'last', 'code=0', '--json'),
      );
      expect(rerun.rerunOf).toBe(first);
      if (server.kind === 'slivka') expect(rerun.via).toBe('resubmit');
      const original = validJson<Job>('job', await ok(server, 'status', first, '--json'));
      expect(rerun.parameters).toEqual({ ...original.parameters, code: '0' });
      // The rerun is now `last`; it completes and its copy is the original input.
      const waited = await cli(server, 'wait', '--json', '--interval', '0.2');
      expect(validJson<{ job: Job }>('wait', waited.stdout).job).toMatchObject({
        id: rerun.id,
        status: 'COMPLETED',
      });
      const out = path.join(server.work, 'rerun-out');
      await ok(server, 'download', 'last', out, '--file', 'copy.bin');
      expect(readFileSync(path.join(out, 'copy.bin'), 'utf8')).toBe('rerun input\n');
    });
  });

  it('errors: the server message naming the parameter (3), usage (2), network (4)', async () => {
    await onBoth(async (server) => {
      const invalid = await cli(server, 'submit', 'tool', 'code=500');
      expect(invalid.code).toBe(3);
      expect(invalid.stderr).toMatch(/parameter 'code': .*100.*\(HTTP 422\)/);
      const missing = await cli(server, 'status', 'AAAAAAAAAAAAAAAA');
      expect(missing.code).toBe(3);
      expect(missing.stderr).toContain('HTTP 404');
      expect((await cli(server, 'status', '--bogus')).code).toBe(2);
      expect((await cli(server, 'status', '../../etc')).code).toBe(2);
      const fresh = { ...server, env: { ...server.env, ...clientDirectories() } };
      if (server.kind === 'slivka') {
        const noLast = await cli(fresh, 'wait', 'last');
        expect(noLast.code).toBe(2);
        expect(noLast.stderr).toMatch(/no job submitted/);
      }
      const closed = await freePort();
      const down = await cli(server, 'services', '--url', `http://127.0.0.1:${closed}`);
      expect(down.code).toBe(4);
      expect(down.stderr).toMatch(/cannot reach .*ECONNREFUSED/);
    });
  });
});

describe('the client loads no server code', () => {
  const loaded = (args: string[]): string[] => {
    const preload = path.join(REPO_ROOT, 'test/fixtures/module-list-on-exit.js');
    const result = spawnSync(process.execPath, ['--require', preload, ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', ...clientDirectories() },
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage:');
    return result.stderr.split('\n').filter((line) => line.startsWith('/'));
  };

  it.each([
    ['damson-jobs --help', [JOBS_BIN, '--help']],
    [
      'damson jobs --help (the package bin)',
      [path.join(REPO_ROOT, 'dist/src/bin/damson-entry.js'), 'jobs', '--help'],
    ],
  ])('%s', (_name, args) => {
    const modules = loaded(args);
    expect(modules.some((m) => m.includes('/dist/src/client/'))).toBe(true);
    const server = modules.filter(
      (m) =>
        /\/dist\/src\/(http|store|scheduler|runners|transport|config|services|lifecycle|jobs)\//.test(
          m,
        ) ||
        /\/dist\/src\/bin\/(damson|run-[a-z]+)\.js$/.test(m) ||
        /\/node_modules\/(express|zeromq|better-sqlite3|mongodb|pino|multer|busboy)\//.test(m),
    );
    expect(server).toEqual([]);
  });
});
