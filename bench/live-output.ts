import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

/**
 * Output event streams must not starve the API: the status GET rate of the real app with 200
 * SSE tails open on a busy job (a writer appending ~60 KiB/s of lines to its stdout) against the
 * same app, same run, with the writer but no tails. The tails start at the output's current end
 * (`?from=`), as `tail -f` does. Goal ≥ 80%. Runs alternate and repeat; the
 * median is reported.
 *
 * BENCH_SECONDS (default 5), BENCH_REPEAT (default 3) and BENCH_TAILS (default 200) scale it.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const TAILS = Number(process.env.BENCH_TAILS ?? 200);
const CONNECTIONS = 50;
const GOAL = 0.8;

interface Ready {
  port: number;
  ids: string[];
  busyId: string;
  stdout: string;
  dir: string;
}

/** Starts `node dist/bench/<script>` and resolves with it and its first stdout line, parsed. */
function startChild<T>(script: string, args: string[]): Promise<{ child: ChildProcess; first: T }> {
  const child = spawn(process.execPath, [path.join(__dirname, script), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) =>
      resolve({ child, first: JSON.parse(line) as T }),
    );
  });
}

async function stop(child: ChildProcess): Promise<string> {
  let last = '';
  child.stdout?.on('data', (d: Buffer) => (last += d.toString()));
  child.removeAllListeners('exit');
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  return last.trim();
}

/** Appends a 120-byte line every 2 ms: a chatty tool. */
function startWriter(file: string): ChildProcess {
  const code =
    "const fs=require('fs');const fd=fs.openSync(process.argv[1],'a');let i=0;" +
    "setInterval(()=>fs.writeSync(fd,`line ${++i} `.padEnd(119,'.')+'\\n'),2);";
  return spawn(process.execPath, ['-e', code, file], { stdio: 'ignore' });
}

async function statusGets(ready: Ready, seconds: number): Promise<number> {
  let next = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${ready.port}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => ({
          ...req,
          path: `/api/jobs/${ready.ids[next++ % ready.ids.length]}`,
        }),
      },
    ],
  });
  if (result.non2xx || result.errors) throw new Error('status GETs failed during the benchmark');
  return result.requests.average;
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const { child: server, first: ready } = await startChild<Ready>('live-output-server.js', []);
  const writer = startWriter(ready.stdout);
  const without: number[] = [];
  const withTails: number[] = [];
  const tailUrl = `http://127.0.0.1:${ready.port}/api/jobs/${ready.busyId}/files/stdout/events`;
  try {
    await statusGets(ready, 1); // warm-up
    for (let r = 0; r < REPEAT; r++) {
      without.push(await statusGets(ready, SECONDS));
      // Tails start at the current end, as `tail -f` does: catching up on history is a one-off.
      const from = statSync(ready.stdout).size;
      const { child: tails } = await startChild<{ connected: number }>('live-output-clients.js', [
        `${tailUrl}?from=${from}`,
        String(TAILS),
      ]);
      withTails.push(await statusGets(ready, SECONDS));
      const received = await stop(tails);
      console.log(
        JSON.stringify({ run: r + 1, without: without[r], withTails: withTails[r], received }),
      );
    }
  } finally {
    writer.kill('SIGTERM');
    await stop(server);
    rmSync(ready.dir, { recursive: true, force: true });
  }
  const ratio = median(withTails) / median(without);
  const report = {
    node: process.version,
    cpus: cpus().length,
    seconds: SECONDS,
    repeat: REPEAT,
    tails: TAILS,
    statusGet: { without: median(without), withTails: median(withTails), ratio, goal: GOAL },
  };
  console.log(JSON.stringify(report, null, 2));
  console.log(
    `status GET with ${TAILS} output tails open: ${(ratio * 100).toFixed(0)}% of its rate ` +
      `without them (goal ${GOAL * 100}%)`,
  );
}

void main();
