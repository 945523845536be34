import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { cpus, homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, ROOT, until } from './bench-lib';
import { NOOP_SERVICE, NOOP_SERVICE_ID, type RunningSystem } from './side-by-side-lib';

/**
 * slivka 0.8.5b7 from PyPI (scripts/slivka.sh install-gunicorn) as a system under test: a project
 * made by `slivka init`, its settings pointing at the benchmark's FerretDB, the benchmark's one
 * service, and slivka's three processes started with slivka's own CLI: `slivka start server -t
 * gunicorn` (the WSGI server slivka's CLI runs for production; the default `devel` type is
 * Werkzeug's debug server), `slivka start scheduler`, `slivka start local-queue -w 4`.
 *
 * FerretDB 1.24 lacks two things slivka uses; bench/slivka-shim/ferretdb_shim.py works around
 * them in the scheduler and the server's workers (see there). slivka's own code is not touched.
 */
export const SLIVKA_VERSION = '0.8.5b7';
const SHIM_DIR = path.join(ROOT, 'bench/slivka-shim');

export interface SlivkaOptions {
  /** mongodb://host:port/ of the benchmark's FerretDB. */
  mongoUrl: string;
  database: string;
  /** The local queue's worker processes. */
  queueWorkers: number;
  /** gunicorn's worker processes. */
  httpWorkers: number;
}

export interface SlivkaSystem extends RunningSystem {
  /** The ferretdb_shim.py workarounds slivka's processes used so far (by name). */
  workaroundsUsed: () => string[];
}

export function slivkaVenv(): string {
  const cache = process.env.DAMSON_CACHE || path.join(homedir(), '.cache', 'damson');
  return path.join(cache, `slivka-${SLIVKA_VERSION}`, 'venv');
}

/** The workers `slivka start server -t gunicorn` starts when not told: min(2 × cores + 1, 12). */
export const slivkaDefaultHttpWorkers = (): number => Math.min(2 * cpus().length + 1, 12);

function hostPort(mongoUrl: string): string {
  const url = new URL(mongoUrl);
  return `${url.hostname}:${url.port || '27017'}`;
}

function settingsYaml(options: SlivkaOptions, httpPort: number, queuePort: number): string {
  return [
    'version: "0.8"',
    'directory.uploads: ./media/uploads',
    'directory.jobs: ./media/jobs',
    'directory.logs: ./log',
    'directory.services: ./services',
    `server.host: 127.0.0.1:${httpPort}`,
    'server.uploads-path: /media/uploads',
    'server.jobs-path: /media/jobs',
    `local-queue.host: tcp://127.0.0.1:${queuePort}`,
    `mongodb.host: ${hostPort(options.mongoUrl)}`,
    `mongodb.database: ${options.database}`,
    '',
  ].join('\n');
}

const tail = (file: string): string => {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
};

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const insist = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(insist);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startSlivkaSystem(options: SlivkaOptions): Promise<SlivkaSystem> {
  const venv = slivkaVenv();
  const bin = path.join(venv, 'bin');
  if (!existsSync(path.join(bin, 'slivka')) || !existsSync(path.join(bin, 'gunicorn')))
    throw new Error(
      `slivka or gunicorn missing in ${venv}: run scripts/slivka.sh install-gunicorn`,
    );

  // On tmpfs like Damson's bench homes (bench-lib makeHome), so both write job dirs alike.
  const base = mkdtempSync(
    path.join(process.env.BENCH_DISK === '1' ? tmpdir() : '/dev/shm', 'slivka-bench-'),
  );
  const home = path.join(base, 'project');
  const marks = path.join(base, 'shim-marks');
  mkdirSync(marks);
  execFileSync(path.join(bin, 'slivka'), ['init', home], { stdio: 'ignore' });
  // The template's example service needs its selector script and test data: only ours is served.
  unlinkSync(path.join(home, 'services', 'example.service.yaml'));
  writeFileSync(path.join(home, 'services', `${NOOP_SERVICE_ID}.service.yaml`), NOOP_SERVICE);
  const [httpPort, queuePort] = [await freePort(), await freePort()];
  writeFileSync(path.join(home, 'settings.yaml'), settingsYaml(options, httpPort, queuePort));

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SLIVKA_HOME: home,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    PYTHONPATH: SHIM_DIR,
    DAMSON_BENCH_SHIM_MARKS: marks,
    // No __pycache__ in the repository's bench/slivka-shim (slivka's own modules are compiled).
    PYTHONDONTWRITEBYTECODE: '1',
  };
  const children: ChildProcess[] = [];
  const start = (name: string, command: string, args: string[], extra = {}): void => {
    const log = openSync(path.join(base, `${name}.log`), 'a');
    children.push(
      spawn(command, args, { cwd: home, env: { ...env, ...extra }, stdio: ['ignore', log, log] }),
    );
    closeSync(log);
  };
  start('local-queue', path.join(bin, 'slivka'), [
    'start',
    'local-queue',
    '-w',
    String(options.queueWorkers),
  ]);
  // `slivka start scheduler`, with the shim imported first (the console script is these two lines).
  start('scheduler', path.join(bin, 'python'), [
    '-c',
    'import ferretdb_shim; from slivka.cli import main; main()',
    'start',
    'scheduler',
  ]);
  // slivka execs gunicorn; GUNICORN_CMD_ARGS adds the settings file that loads the shim per worker.
  start(
    'server',
    path.join(bin, 'slivka'),
    ['start', 'server', '-t', 'gunicorn', '-w', String(options.httpWorkers)],
    { GUNICORN_CMD_ARGS: `--config=${path.join(SHIM_DIR, 'gunicorn_shim.py')}` },
  );

  const baseUrl = `http://127.0.0.1:${httpPort}`;
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(stopChild));
    rmSync(base, { recursive: true, force: true });
  };
  try {
    await until(
      async () => (await fetch(`${baseUrl}/api/version`).catch(() => null))?.ok === true,
      60_000,
      'the slivka server',
      50,
    );
  } catch (error) {
    const logs = ['server', 'scheduler', 'local-queue']
      .map((name) => `--- ${name}.log\n${tail(path.join(base, `${name}.log`))}`)
      .join('\n');
    await stop();
    throw new Error(`${(error as Error).message}\n${logs}`, { cause: error });
  }
  return {
    baseUrl,
    roots: children.map((child) => child.pid!),
    workaroundsUsed: () =>
      [...new Set(readdirSync(marks).map((name) => name.slice(name.indexOf('.') + 1)))].sort(),
    stop,
  };
}
