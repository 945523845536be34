import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, type DamsonHome } from './damson-home';
import { waitFor } from './wait-for';

export const DAMSON_BIN = path.join(REPO_ROOT, 'dist/src/bin/damson.js');

/** Process ids whose parent is `pid`, read from /proc (Linux). */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface RunningDamson {
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<number | null>;
}

/** Starts `damson <command>` (default `start`) for a test home and waits until the API answers. */
export async function startDamson(
  home: DamsonHome,
  args: string[] = ['start'],
  startupTimeoutMs = 15_000,
): Promise<RunningDamson> {
  const child = spawn(process.execPath, [DAMSON_BIN, ...args], {
    env: { ...process.env, DAMSON_HOME: home.home, SLIVKA_HOME: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    return exited;
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`damson exited early: ${output}`);
        const res = await fetch(`${home.baseUrl}/api/version`);
        return res.ok ? true : undefined;
      },
      'the server to answer',
      startupTimeoutMs,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { process: child, output: () => output, stop };
}
