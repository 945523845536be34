import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { INJECTION_PAYLOADS } from '../fixtures/injection-payloads';
import { ApiClient, FINISHED } from '../helpers/api-client';
import { leaseEngine, type EngineKind, type EngineLease } from '../helpers/cluster-engine';
import {
  EXAMPLE_SERVICES,
  makeDamsonHome,
  REPO_ROOT,
  type DamsonHome,
} from '../helpers/damson-home';
import { DAMSON_BIN, startDamson, type RunningDamson } from '../helpers/damson-process';
import { waitFor } from '../helpers/wait-for';

const RUNNER: Record<EngineKind, { type: string; argsKey: string; args: string }> = {
  slurm: { type: 'SlurmRunner', argsKey: 'sbatchargs', args: "'--partition=debug' --ntasks=1" },
  gridengine: { type: 'GridEngineRunner', argsKey: 'qargs', args: '-q all.q' },
};

/**
 * The example services with their runner changed to the engine's (nothing else), plus a service
 * that echoes its argv and environment, using runner consts, env and submit options.
 */
function clusterServices(kind: EngineKind): string {
  const dir = mkdtempSync(path.join(tmpdir(), `damson-${kind}-services-`));
  cpSync(EXAMPLE_SERVICES, dir, { recursive: true });
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.service.yaml'))) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    writeFileSync(
      path.join(dir, file),
      text.replace('type: ShellRunner', `type: ${RUNNER[kind].type}`),
    );
  }
  const echo = readFileSync(
    path.join(__dirname, '../fixtures/cluster-services/argv-echo.service.yaml'),
    'utf8',
  )
    .replace('RUNNER_TYPE', RUNNER[kind].type)
    .replace('RUNNER_ARGS_KEY', RUNNER[kind].argsKey)
    .replace('RUNNER_ARGS', JSON.stringify(RUNNER[kind].args));
  writeFileSync(path.join(dir, 'argv-echo.service.yaml'), echo);
  return dir;
}

export function describeClusterEndToEnd(kind: EngineKind): void {
  describe(`example services on ${kind}: damson start plus damson agent --kind ${kind}`, () => {
    let lease: EngineLease | null = null;
    let home: DamsonHome;
    let damson: RunningDamson | null = null;
    let agent: ChildProcess | null = null;
    let api: ApiClient;

    const startAgent = (): ChildProcess => {
      const child = spawn(
        process.execPath,
        [DAMSON_BIN, 'agent', '--kind', kind, '--poll-interval', '300'],
        {
          env: { ...lease!.env, DAMSON_HOME: home.home, SLIVKA_HOME: '', DAMSON_AGENT_SECRET: 'x' },
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      return child;
    };
    const stopAgent = async (): Promise<void> => {
      const child = agent;
      agent = null;
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    };

    beforeAll(async () => {
      lease = await leaseEngine(kind);
      if (!lease) return;
      home = await makeDamsonHome({}, clusterServices(kind));
      copyFileSync(
        path.join(REPO_ROOT, 'test/fixtures/argv-dump.js'),
        path.join(home.home, 'argv-dump.js'),
      );
      damson = await startDamson(home);
      agent = startAgent();
      api = new ApiClient(home.baseUrl);
    }, 300_000);

    afterAll(async () => {
      await stopAgent();
      await damson?.stop();
      await lease?.release();
    }, 180_000);

    const skip = (): boolean => {
      if (!lease) console.warn(`${kind} is not available: test skipped`);
      return !lease;
    };
    const engineIdOf = (jobId: string): string => {
      const dir = path.join(
        home.home,
        'media/jobs',
        jobId.slice(-2),
        jobId.slice(-4, -2),
        jobId.slice(0, -4),
      );
      const started = readdirSync(path.join(dir, '.damson')).find((f) => f.startsWith('started-'))!;
      return readFileSync(path.join(dir, '.damson', started), 'utf8').trim();
    };

    it('runs head on an uploaded file in the engine and serves the output', async () => {
      if (skip()) return;
      const form = new FormData();
      form.append('input', new Blob(['one\ntwo\nthree\nfour\n']), 'in.txt');
      form.append('lines', '2');
      const submitted = await api.submit('head', form);
      expect(submitted.status).toBe(202);
      const done = await api.waitForState(submitted.body.id, FINISHED, 60_000);
      expect(done.status).toBe('COMPLETED');
      expect(engineIdOf(done.id)).toMatch(/^\d+$/);
      const files = await api.files(done.id);
      expect(await api.bytes(files.find((f) => f.path === 'stdout')!['@content'])).toBe(
        'one\ntwo\n',
      );
    });

    it('runs words (arrays, choices, flags) and sleep, and cancels a running sleep', async () => {
      if (skip()) return;
      const words = await api.submit(
        'words',
        new URLSearchParams([
          ['words', 'Hello'],
          ['words', 'World'],
          ['case', 'upper'],
          ['numbered', 'yes'],
        ]),
      );
      const long = await api.submit('sleep', new URLSearchParams([['seconds', '60']]));
      const done = await api.waitForState(words.body.id, FINISHED, 60_000);
      expect(done.status).toBe('COMPLETED');
      const files = await api.files(done.id);
      expect(await api.bytes(files.find((f) => f.path === 'words.txt')!['@content'])).toBe(
        '1. HELLO\n2. WORLD\n',
      );
      await api.waitForState(long.body.id, ['RUNNING'], 60_000);
      const cancel = await fetch(`${home.baseUrl}/api/jobs/${long.body.id}`, { method: 'DELETE' });
      expect(cancel.status).toBe(204);
      const cancelled = await api.waitForState(long.body.id, FINISHED, 30_000);
      expect(cancelled.status).toBe('INTERRUPTED');
    });

    it('passes user values byte for byte, with the runner consts, env and submit options', async () => {
      if (skip()) return;
      // Control characters other than tab, LF and CR are refused at submission (a 422, checked
      // below); the runner conformance suite still sends them straight to the engine.
      const refused = (p: string): boolean =>
        [...p].some((c) => c.charCodeAt(0) < 0x20 && !'\t\n\r'.includes(c));
      const payloads = INJECTION_PAYLOADS.filter((p) => p !== '' && !refused(p));
      const control = await api.submit('argv-echo', new URLSearchParams([['name', 'a\x1bb']]));
      expect(control.status).toBe(422);
      const res = await api.submit(
        'argv-echo',
        new URLSearchParams(payloads.map((p): [string, string] => ['name', p])),
      );
      expect(res.status).toBe(202);
      const done = await api.waitForState(res.body.id, FINISHED, 60_000);
      expect(done.status).toBe('COMPLETED');
      const files = await api.files(done.id);
      const seen = JSON.parse(
        await api.bytes(files.find((f) => f.path === 'argv.json')!['@content']),
      ) as { argv: string[]; env: Record<string, string> };
      expect(seen.argv).toEqual([...payloads.map((p) => `--name=${p}`), '--threads=4']);
      expect(seen.env.TOOL_SETTING).toBe('from the runner env');
      expect(seen.env.DAMSON_AGENT_SECRET).toBeUndefined();
    }, 240_000);

    it('keeps jobs through an agent restart and reconciles a job killed by hand', async () => {
      if (skip()) return;
      const survivor = await api.submit('sleep', new URLSearchParams([['seconds', '4']]));
      const victim = await api.submit('sleep', new URLSearchParams([['seconds', '60']]));
      await api.waitForState(survivor.body.id, ['RUNNING'], 60_000);
      await api.waitForState(victim.body.id, ['RUNNING'], 60_000);
      await stopAgent();
      agent = startAgent();
      const done = await api.waitForState(survivor.body.id, FINISHED, 60_000);
      expect(done.status).toBe('COMPLETED');
      execFileSync(kind === 'slurm' ? 'scancel' : 'qdel', [engineIdOf(victim.body.id)], {
        env: lease!.env,
      });
      const killed = await waitFor(
        async () => {
          const job = await api.job(victim.body.id);
          return FINISHED.includes(job.status) ? job : undefined;
        },
        'the job killed by hand to end',
        60_000,
        200,
      );
      expect(killed.status).toBe('INTERRUPTED');
    }, 120_000);
  });
}
