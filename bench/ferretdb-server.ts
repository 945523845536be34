import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cpuMs, ROOT } from './bench-lib';

/** A private FerretDB on its PostgreSQL backend (scripts/ferretdb.sh) for one benchmark run. */
export interface BenchFerretDb {
  url: string;
  /** CPU ms used so far by FerretDB and by every process of its PostgreSQL cluster. */
  cpuMs(): { ferretdb: number; postgres: number };
  /** RSS in KiB of FerretDB and of its PostgreSQL cluster (all processes). */
  rssKiB(): { ferretdb: number; postgres: number };
  stop(): void;
}

const readPid = (file: string): number => Number(readFileSync(file, 'utf8').trim());

/** The pids of `root` and all its descendants, from /proc. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const all: number[] = [];
  const walk = (pid: number): void => {
    all.push(pid);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(root);
  return all;
}

/** Resident set size of one process in KiB (0 once it is gone). */
export function rssKiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const safeCpu = (pid: number): number => {
  try {
    return cpuMs(pid) + cpuMs(pid, { reaped: true });
  } catch {
    return 0;
  }
};

export function startFerretDb(): BenchFerretDb {
  const run = mkdtempSync(path.join(tmpdir(), 'damson-bench-ferretdb-'));
  const script = path.join(ROOT, 'scripts/ferretdb.sh');
  const env = { ...process.env, DAMSON_RUN: run };
  let url: string;
  try {
    url = execFileSync(script, ['start'], { env, encoding: 'utf8' }).trim();
  } catch (error) {
    rmSync(run, { recursive: true, force: true });
    throw error;
  }
  const ferretdb = readPid(path.join(run, 'ferretdb.pid'));
  const postgres = readPid(path.join(run, 'postgres.pid'));
  return {
    url,
    cpuMs: () => ({
      ferretdb: safeCpu(ferretdb),
      postgres: sum(processTree(postgres).map(safeCpu)),
    }),
    rssKiB: () => ({
      ferretdb: rssKiB(ferretdb),
      postgres: sum(processTree(postgres).map(rssKiB)),
    }),
    stop: () => {
      execFileSync(script, ['stop'], { env, stdio: 'ignore' });
      rmSync(run, { recursive: true, force: true });
    },
  };
}
