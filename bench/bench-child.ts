import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Starts a compiled benchmark script (bench/<script>) in its own Node process and resolves with
 * the first line it prints, parsed as JSON (what it says when ready); rejects if it exits first.
 */
export function startChild<T>(
  script: string,
  args: string[],
  nodeArgs: string[] = [],
): Promise<{ child: ChildProcess; first: T }> {
  const child = spawn(process.execPath, [...nodeArgs, path.join(__dirname, script), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) =>
      resolve({ child, first: JSON.parse(line) as T }),
    );
  });
}

/** A benchmark's in-process app server (bench-app-home.ts): its port, job ids and home. */
export interface BenchServer {
  child: ChildProcess;
  port: number;
  ids: string[];
  dir: string;
}

export async function startBenchServer(script: string, arg: string): Promise<BenchServer> {
  const { child, first } = await startChild<Omit<BenchServer, 'child'>>(script, [arg]);
  return { child, ...first };
}

/** Stops the server (SIGTERM), waits for it to exit and removes its home. */
export async function stopBenchServer(server: BenchServer): Promise<void> {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
  rmSync(server.dir, { recursive: true, force: true });
}

/** Status GETs of the server's jobs in turn, for `seconds`, over `connections` connections. */
export function statusGetLoad(
  server: Pick<BenchServer, 'port' | 'ids'>,
  seconds: number,
  connections: number,
): Promise<autocannon.Result> {
  let next = 0;
  return autocannon({
    url: `http://127.0.0.1:${server.port}`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => ({
          ...req,
          path: `/api/jobs/${server.ids[next++ % server.ids.length]}`,
        }),
      },
    ],
  });
}
