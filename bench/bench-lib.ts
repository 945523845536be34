import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';

/** Shared by the scheduler and end-to-end benchmarks: homes, processes, CPU, percentiles. */
export const ROOT = path.resolve(__dirname, '../..');
export const DAMSON_BIN = path.join(ROOT, 'dist/src/bin/damson.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

export interface BenchHome {
  home: string;
  baseUrl: string;
  agentsAddress: string;
}

/** A project home on tmpfs when available (/dev/shm), with the given service files. */
export async function makeHome(
  services: Record<string, string>,
  extra: Record<string, unknown> = {},
): Promise<BenchHome> {
  const base = process.env.BENCH_DISK === '1' ? tmpdir() : '/dev/shm';
  const home = mkdtempSync(path.join(base, 'damson-bench-'));
  const [port, agents, wake, changes] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const dir = path.join(home, 'services');
  mkdirSync(dir);
  for (const [id, text] of Object.entries(services))
    writeFileSync(path.join(dir, `${id}.service.yaml`), text);
  const settings: Record<string, unknown> = {
    version: '0.8',
    'server.host': `127.0.0.1:${port}`,
    'local-queue.host': `tcp://127.0.0.1:${agents}`,
    'scheduler.wake-address': `tcp://127.0.0.1:${wake}`,
    'scheduler.changes-address': `tcp://127.0.0.1:${changes}`,
    'log.level': 'info',
    ...extra,
  };
  writeFileSync(
    path.join(home, 'settings.yaml'),
    Object.entries(settings)
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join('\n') + '\n',
  );
  return { home, baseUrl: `http://127.0.0.1:${port}`, agentsAddress: `tcp://127.0.0.1:${agents}` };
}

export interface Proc {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** BENCH_CPU_PROFILE_DIR=DIR: each Damson process writes a V8 CPU profile there when it stops. */
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE_DIR;

export function startDamson(home: string, args: string[]): Proc {
  const profile = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}/${args[0]}`] : [];
  const child = spawn(process.execPath, [...profile, DAMSON_BIN, ...args], {
    env: { ...process.env, DAMSON_HOME: home, SLIVKA_HOME: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        // A profile is written on a normal exit only: ask first, then insist.
        child.kill(PROFILE_DIR ? 'SIGTERM' : 'SIGKILL');
        const insist = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(insist);
      }
      await exited;
    },
  };
}

/**
 * CPU milliseconds (user + system) a process has used, from /proc/<pid>/stat; with `reaped`, those
 * of its children it has waited for instead (for an agent: its jobs).
 */
export function cpuMs(pid: number, { reaped = false }: { reaped?: boolean } = {}): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const first = reaped ? 13 : 11;
  const ticks = Number(fields[first]) + Number(fields[first + 1]);
  return (ticks * 1000) / 100;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function until(
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
  intervalMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function report(name: string, values: Record<string, unknown>): void {
  const line = {
    bench: name,
    node: process.version,
    cpus: cpus().length,
    tmpfs: process.env.BENCH_DISK !== '1',
    ...values,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Bench homes live in /dev/shm: each is removed when its run ends. */
export function removeHome(home: BenchHome): void {
  rmSync(home.home, { recursive: true, force: true });
}

/** What a benchmark's service file running `true` declares: YAML flow values by name. */
export interface TrueServiceOptions {
  parameters?: Record<string, string>;
  args?: Record<string, string>;
  outputs?: Record<string, string>;
  /** The result cache (`cache: true`). */
  cache?: boolean;
}

/** The form most benchmarks submit: three text fields and a file. */
export const FORM_PARAMETERS: Record<string, string> = {
  a: '{name: A, type: text}',
  b: '{name: B, type: text}',
  c: '{name: C, type: text}',
  input: '{name: Input, type: file}',
};

/** A service file (id `noop`) whose command is `true`, run by the local agent. */
export function trueService(options: TrueServiceOptions = {}): string {
  const block = (entries: Record<string, string> = {}): string =>
    Object.keys(entries).length === 0
      ? ' {}'
      : Object.entries(entries)
          .map(([name, value]) => `\n  ${name}: ${value}`)
          .join('');
  return [
    `slivka-version: '0.8.3'`,
    `name: noop`,
    ...(options.cache ? ['cache: true'] : []),
    `parameters:${block(options.parameters)}`,
    `command: ['true']`,
    `args:${block(options.args)}`,
    `outputs:${block(options.outputs)}`,
    'execution:\n  runners:\n    default:\n      type: ShellRunner\n',
  ].join('\n');
}

/** The scheduler, a local agent and the server of one home, each its own process: [s, a, srv]. */
export function startProcesses(home: BenchHome): Proc[] {
  return [
    startDamson(home.home, ['scheduler']),
    startDamson(home.home, ['agent', '--kind', 'local']),
    startDamson(home.home, ['server']),
  ];
}

/** Waits until the server of `baseUrl` answers. */
export function untilServing(baseUrl: string, timeoutMs: number): Promise<void> {
  return until(
    async () => (await fetch(`${baseUrl}/api/version`).catch(() => null))?.ok === true,
    timeoutMs,
    'the server',
  );
}

export interface SubmittedJob {
  id: string;
  status: string;
}

const ENDED_OTHERWISE = ['FAILED', 'ERROR', 'INTERRUPTED', 'DELETED', 'REJECTED'];

/** Follows a submitted job (long-poll) until it is COMPLETED; throws when it ends any other way. */
export async function followToCompleted(baseUrl: string, submitted: SubmittedJob): Promise<void> {
  let job = submitted;
  while (job.status !== 'COMPLETED') {
    if (ENDED_OTHERWISE.includes(job.status)) throw new Error(`job ${job.id} ended ${job.status}`);
    const url = `${baseUrl}/api/jobs/${job.id}?wait=30&status=${job.status}`;
    job = (await (await fetch(url)).json()) as SubmittedJob;
  }
}

/**
 * Runs `measure` against the home's three processes once the server answers; stops them and
 * removes the home after, whatever happened.
 */
export async function withProcesses<T>(home: BenchHome, measure: () => Promise<T>): Promise<T> {
  const procs = startProcesses(home);
  try {
    await untilServing(home.baseUrl, 60_000);
    return await measure();
  } finally {
    for (const proc of procs) await proc.stop();
    removeHome(home);
  }
}

/**
 * `rounds` samples of two measurements taken in turns, so a change of load on the machine touches
 * both alike; each list sorted. Progress every `every` rounds.
 */
export async function interleaved(
  rounds: number,
  every: number,
  first: (round: number) => Promise<number>,
  second: (round: number) => Promise<number>,
): Promise<[number[], number[]]> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    a.push(await first(i));
    b.push(await second(i));
    if (i % every === every - 1) progress(`${i + 1} of ${rounds}`);
  }
  return [a.sort((x, y) => x - y), b.sort((x, y) => x - y)];
}
