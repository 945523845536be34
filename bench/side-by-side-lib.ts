import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { percentile } from './bench-lib';
import { processTree, rssKiB } from './ferretdb-server';

/** A system under test that speaks slivka's job API (as Damson does). */
export interface RunningSystem {
  baseUrl: string;
  /** The root pids whose process trees make up the system (for RSS). */
  roots: number[];
  /** MongoDB commands by kind sent so far by all its processes (Damson on MongoDB only). */
  commandCounts?: () => Record<string, number>;
  stop: () => Promise<void>;
}

export const FINISHED = new Set([
  'COMPLETED',
  'FAILED',
  'ERROR',
  'INTERRUPTED',
  'DELETED',
  'REJECTED',
]);

/** The service both systems run: one text parameter, a command that does nothing. */
export const NOOP_SERVICE_ID = 'noop';

/**
 * Its service file, the same bytes for slivka and Damson: slivka runs it on its local queue
 * (SlivkaQueueRunner), Damson on its local agent (which that runner type names in Damson).
 */
export const NOOP_SERVICE = `slivka-version: '0.8.3'
name: noop
parameters:
  text: {name: Text, type: text}
command: ['true']
args: {}
outputs: {}
execution:
  runners:
    default:
      type: SlivkaQueueRunner
`;

function form(): FormData {
  const data = new FormData();
  data.append('text', 'alpha');
  return data;
}

/** Submits one job; returns its id. */
export async function submit(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/services/${NOOP_SERVICE_ID}/jobs`, {
    method: 'POST',
    body: form(),
  });
  const body = (await res.json()) as { id?: string };
  if (res.status !== 202 || typeof body.id !== 'string')
    throw new Error(`submission answered ${res.status}: ${JSON.stringify(body)}`);
  return body.id;
}

/** Polls the job every `pollMs` until it is finished or `deadline` (ms, performance.now()). */
export async function follow(
  baseUrl: string,
  id: string,
  pollMs: number,
  deadline: number,
): Promise<string | null> {
  while (performance.now() < deadline) {
    const res = await fetch(`${baseUrl}/api/jobs/${id}`);
    const { status } = (await res.json()) as { status: string };
    if (FINISHED.has(status)) return status;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return null;
}

/** `lanes` clients share `jobs` iterations of `one`; stops starting new ones after `deadline`. */
export async function shared(
  lanes: number,
  jobs: number,
  deadline: number,
  one: () => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < jobs && performance.now() < deadline) {
        next++;
        await one();
      }
    }),
  );
}

export interface Latency {
  p50Ms: number;
  p99Ms: number;
}

/** One client, one job at a time, polling every `pollMs`: submission to finish. */
export async function latency(baseUrl: string, jobs: number, pollMs: number): Promise<Latency> {
  const times: number[] = [];
  for (let i = 0; i < jobs; i++) {
    const t0 = performance.now();
    const status = await follow(baseUrl, await submit(baseUrl), pollMs, t0 + 60_000);
    if (status !== 'COMPLETED') throw new Error(`a latency job ended ${status ?? 'unfinished'}`);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50Ms: round(percentile(times, 50)), p99Ms: round(percentile(times, 99)) };
}

export const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

/** A process's role, read from its command line (for the RSS table). */
export function roleOf(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    // From the script on: `damson.js server`, not the interpreter's path.
    const script = argv.findIndex((a) => /\.(js|py)$/.test(a) || /damson$/.test(a));
    const words = argv.slice(Math.max(script, 0)).map((a) => path.basename(a));
    return words.slice(0, 3).join(' ').slice(0, 60);
  } catch {
    return 'gone';
  }
}

/** RSS in MiB of every process of the system, by role, and their total. */
export function memory(system: RunningSystem): {
  totalMiB: number;
  byProcess: Record<string, number>;
} {
  const byProcess: Record<string, number> = {};
  let total = 0;
  for (const root of system.roots) {
    for (const pid of processTree(root)) {
      const kib = rssKiB(pid);
      if (!kib) continue;
      const role = `${roleOf(pid)} [${pid}]`;
      byProcess[role] = round(kib / 1024);
      total += kib;
    }
  }
  return { totalMiB: round(total / 1024), byProcess };
}

/** Sums the per-process command counts a monitored process tree wrote to `dir`. */
export function readCommandCounts(dir: string): Record<string, number> {
  const total: Record<string, number> = {};
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    try {
      const counts = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as Record<
        string,
        number
      >;
      for (const [kind, n] of Object.entries(counts)) total[kind] = (total[kind] ?? 0) + n;
    } catch {
      // being rewritten right now: the next read has it
    }
  }
  return total;
}

/** `after - before` per kind, divided by `jobs`, largest first. */
export function perJob(
  before: Record<string, number>,
  after: Record<string, number>,
  jobs: number,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([kind, n]) => [kind, round((n - (before[kind] ?? 0)) / jobs, 2)] as const)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]),
  );
}
