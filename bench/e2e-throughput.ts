import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import {
  freePort,
  makeHome,
  median,
  percentile,
  removeHome,
  report,
  ROOT,
  startDamson,
  until,
} from './bench-lib';

/**
 * C2 #7 and #8, end to end: `true` submitted over HTTP (3 fields + a 1 KB file), COMPLETED seen by
 * the client. Throughput at C=16 against min(bare multer POST rate, spawn rate with 8 in flight),
 * both measured in the same run (goal ≥ 50%); light-load latency at C=1 (goal p50 ≤ 10 ms,
 * p99 ≤ 25 ms).
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const LANES = 16;
/** How the throughput clients follow their jobs: 0 long-polls, otherwise polls every N ms. */
const THROUGHPUT_POLL_MS = Number(process.env.BENCH_POLL_MS ?? 0);

const SERVICE = `slivka-version: '0.8.3'
name: noop
parameters:
  a: {name: A, type: text}
  b: {name: B, type: text}
  c: {name: C, type: text}
  input: {name: Input, type: file}
command: ['true']
args: {}
outputs: {}
execution:
  runners:
    default:
      type: ShellRunner
`;

const FILE = new Blob([Buffer.alloc(1024, 'A')]);

function form(): FormData {
  const data = new FormData();
  data.append('a', 'alpha');
  data.append('b', 'beta');
  data.append('c', 'gamma');
  data.append('input', FILE, 'input.txt');
  return data;
}

/** C closed-loop lanes for `seconds`: each runs `one()` again as soon as it returns. */
async function closedLoop(
  lanes: number,
  seconds: number,
  one: () => Promise<void>,
): Promise<number> {
  let done = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (performance.now() < end) {
        await one();
        done++;
      }
    }),
  );
  return done / seconds;
}

async function multerBaseline(dir: string): Promise<number> {
  const port = await freePort();
  mkdirSync(path.join(dir, 'mp'), { recursive: true });
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'dist/bench/baseline-multer-server.js'), String(port), path.join(dir, 'mp')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await until(() => out.includes('listening'), 10_000, 'the multer baseline');
    const post = async (): Promise<void> => {
      const res = await fetch(`http://127.0.0.1:${port}/submit`, { method: 'POST', body: form() });
      await res.text();
    };
    await closedLoop(LANES, 1, post);
    return await closedLoop(LANES, SECONDS / 2, post);
  } finally {
    child.kill('SIGKILL');
  }
}

async function spawnBaseline(dir: string): Promise<number> {
  const spawnOne = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const out = openSync(path.join(dir, 'spawn.out'), 'w');
      const child = spawn('true', [], { stdio: ['ignore', out, out], detached: true });
      closeSync(out);
      child.once('error', reject);
      child.once('exit', () => resolve());
    });
  await closedLoop(8, 0.5, spawnOne);
  return closedLoop(8, SECONDS / 2, spawnOne);
}

interface Submitted {
  id: string;
}

/** pollMs 0: long-poll (`?wait=&status=`), the server tells the client of each change. */
async function runJob(baseUrl: string, pollMs: number): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}/api/services/noop/jobs`, { method: 'POST', body: form() });
  const { id } = (await res.json()) as Submitted;
  if (res.status !== 202) throw new Error(`submit answered ${res.status}`);
  let last = 'PENDING';
  for (;;) {
    const query = pollMs === 0 ? `?wait=30&status=${last}` : '';
    const job = (await (await fetch(`${baseUrl}/api/jobs/${id}${query}`)).json()) as {
      status: string;
    };
    last = job.status;
    if (job.status === 'COMPLETED') return performance.now() - t0;
    if (['FAILED', 'ERROR', 'INTERRUPTED', 'DELETED', 'REJECTED'].includes(job.status))
      throw new Error(`job ${id} ended ${job.status}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function main(): Promise<void> {
  const home = await makeHome(
    { noop: SERVICE },
    { 'local-agent.slots': 8, 'api.watch-interval': 20 },
  );
  const multer = await multerBaseline(home.home);
  const spawn8 = await spawnBaseline(home.home);
  const procs = [
    startDamson(home.home, ['scheduler']),
    startDamson(home.home, ['agent', '--kind', 'local']),
    startDamson(home.home, ['server']),
  ];
  try {
    await until(
      async () => (await fetch(`${home.baseUrl}/api/version`).catch(() => null))?.ok === true,
      20_000,
      'the server',
    );
    await until(() => /agent running/.test(procs[1].output()), 20_000, 'the agent');
    // Warm-up, then light load (C=1) for latency.
    for (let i = 0; i < 30; i++) await runJob(home.baseUrl, 1);
    const latencies: number[] = [];
    const latencyEnd = performance.now() + (SECONDS / 2) * 1000;
    while (performance.now() < latencyEnd && latencies.length < 1000)
      latencies.push(await runJob(home.baseUrl, 1));
    latencies.sort((a, b) => a - b);
    const rates: number[] = [];
    const repetitions = Number(process.env.BENCH_REPETITIONS ?? 3);
    for (let i = 0; i < repetitions; i++) {
      rates.push(
        await closedLoop(LANES, SECONDS / repetitions, () =>
          runJob(home.baseUrl, THROUGHPUT_POLL_MS).then(() => undefined),
        ),
      );
    }
    const bound = Math.min(multer, spawn8);
    const e2e = median(rates);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    report('e2e', {
      baselines: { multerPostsPerSecond: Math.round(multer), spawn8PerSecond: Math.round(spawn8) },
      throughput: {
        lanes: LANES,
        follow: THROUGHPUT_POLL_MS === 0 ? 'long-poll' : `poll every ${THROUGHPUT_POLL_MS} ms`,
        jobsPerSecond: Math.round(e2e),
        runs: rates.map(Math.round),
        ratioToMinBaseline: Number((e2e / bound).toFixed(3)),
        goal: '>= 0.5',
        met: e2e / bound >= 0.5,
      },
      latency: {
        jobs: latencies.length,
        p50Ms: Number(p50.toFixed(2)),
        p99Ms: Number(p99.toFixed(2)),
        goal: 'p50 <= 10 ms, p99 <= 25 ms',
        met: p50 <= 10 && p99 <= 25,
      },
    });
  } finally {
    for (const p of procs) await p.stop();
    removeHome(home);
  }
  process.exit(0);
}

void main();
