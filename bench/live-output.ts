import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { cpuMs } from './bench-lib';
import { startChild, statusGetLoad } from './bench-child';

/**
 * Output event streams must not starve the API: the status GET rate of the real app with 200
 * SSE tails open on a busy job (a writer appending ~60 KiB/s of lines to its stdout) against the
 * same app, same run, with the writer but no tails. The tails start at the output's current end
 * (`?from=`), as `tail -f` does. Goal ≥ 80%. Runs alternate (which of the two goes first too) and
 * repeat; the ratio is the median of the back-to-back pairs' ratios, so that on a shared machine
 * each pair compares windows that saw about the same load. Also reported: the same ratio per CPU
 * second the server got (what the tails cost the server itself), and the tails' own CPU use. Each tail's last event id shows it was really sent what was
 * written (`leastKeptUp`: the least share of the bytes written while a tail was open that it got,
 * under 1 only by what the last batch, at most 200 ms, had not yet sent).
 *
 * BENCH_SECONDS (default 5), BENCH_REPEAT (default 5) and BENCH_TAILS (default 200) scale it.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const TAILS = Number(process.env.BENCH_TAILS ?? 200);
const CONNECTIONS = 50;
const GOAL = 0.8;
/** BENCH_CPU_PROFILE_DIR=DIR: the server writes a V8 CPU profile there when it stops. */
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE_DIR;

interface Ready {
  port: number;
  ids: string[];
  busyId: string;
  stdout: string;
  dir: string;
}

/** Starts `node dist/bench/<script>` and resolves with it and its first stdout line, parsed. */
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
  const result = await statusGetLoad(ready, seconds, CONNECTIONS);
  if (result.non2xx || result.errors) throw new Error('status GETs failed during the benchmark');
  return result.requests.average;
}

/** The middle value; with an even count, the mean of the two middle ones. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

interface Window {
  /** Status GETs per second. */
  rate: number;
  /** The server's CPU use in the window, in ms of CPU per s. */
  serverCpu: number;
  /** The part of it in the kernel (socket writes, file reads). */
  serverSystemCpu: number;
}

/** Status GETs for SECONDS, with the server's CPU use over the same time. */
async function measure(ready: Ready, serverPid: number): Promise<Window> {
  const cpuBefore = cpuMs(serverPid);
  const systemBefore = systemCpuMs(serverPid);
  const startedAt = Date.now();
  const rate = await statusGets(ready, SECONDS);
  const perS = (ms: number): number => Math.round((ms * 1000) / (Date.now() - startedAt));
  return {
    rate,
    serverCpu: perS(cpuMs(serverPid) - cpuBefore),
    serverSystemCpu: perS(systemCpuMs(serverPid) - systemBefore),
  };
}

/** CPU ms a process spent in the kernel (its system time, /proc/<pid>/stat). */
function systemCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[12]) * 1000) / 100;
}

interface TailsReport {
  bytes: number;
  events: number;
  lastIds: number[];
}

/**
 * The same window with TAILS streams open from the output's current end, as `tail -f` starts
 * (catching up on history is a one-off). Checks that every tail kept up: the part of what the
 * writer appended while it was open that it had been sent when the window ended.
 */
async function measureWithTails(ready: Ready, serverPid: number, tailUrl: string) {
  const from = statSync(ready.stdout).size;
  const { child: tails } = await startChild<{ connected: number }>('live-output-clients.js', [
    `${tailUrl}?from=${from}`,
    String(TAILS),
  ]);
  const tailsCpuBefore = cpuMs(tails.pid ?? 0);
  const startedAt = Date.now();
  const window = await measure(ready, serverPid);
  const tailsCpu = ((cpuMs(tails.pid ?? 0) - tailsCpuBefore) * 1000) / (Date.now() - startedAt);
  const written = statSync(ready.stdout).size - from;
  const received = JSON.parse(await stop(tails)) as TailsReport;
  const kept = received.lastIds.map((id) => (id < 0 ? 0 : (id - from) / written));
  return {
    ...window,
    /** The tail clients' own CPU use (they share this machine with the server), ms per s. */
    tailsCpu: Math.round(tailsCpu),
    events: received.events,
    mebibytes: Math.round(received.bytes / 2 ** 20),
    /** The least share of the written bytes any tail had been sent. */
    leastKeptUp: Math.round(Math.min(...kept) * 1000) / 1000,
  };
}

async function main(): Promise<void> {
  const { child: server, first: ready } = await startChild<Ready>(
    'live-output-server.js',
    [],
    PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [],
  );
  const writer = startWriter(ready.stdout);
  const without: Window[] = [];
  const withTails: Awaited<ReturnType<typeof measureWithTails>>[] = [];
  const tailUrl = `http://127.0.0.1:${ready.port}/api/jobs/${ready.busyId}/files/stdout/events`;
  const serverPid = server.pid ?? 0;
  try {
    await statusGets(ready, 1); // warm-up
    for (let r = 0; r < REPEAT; r++) {
      // Alternating which goes first, so a machine getting busier or quieter favours neither.
      if (r % 2 === 0) without.push(await measure(ready, serverPid));
      withTails.push(await measureWithTails(ready, serverPid, tailUrl));
      if (r % 2 === 1) without.push(await measure(ready, serverPid));
      console.log(JSON.stringify({ run: r + 1, without: without[r], withTails: withTails[r] }));
    }
  } finally {
    writer.kill('SIGTERM');
    await stop(server);
    rmSync(ready.dir, { recursive: true, force: true });
  }
  // Each pair ran back to back, so it saw about the same machine: compare within pairs.
  const pairs = without.map((w, r) => ({
    rate: withTails[r].rate / w.rate,
    perCpu: withTails[r].rate / withTails[r].serverCpu / (w.rate / w.serverCpu),
    // The server's CPU beyond what its status GETs cost at the pair's own price per GET.
    tailsCost: withTails[r].serverCpu - withTails[r].rate * (w.serverCpu / w.rate),
  }));
  const ratio = median(pairs.map((p) => p.rate));
  const leastKeptUp = Math.min(...withTails.map((w) => w.leastKeptUp));
  const report = {
    node: process.version,
    cpus: cpus().length,
    loadAverage: loadavg()[0],
    seconds: SECONDS,
    repeat: REPEAT,
    tails: TAILS,
    statusGet: {
      without: median(without.map((w) => w.rate)),
      withTails: median(withTails.map((w) => w.rate)),
      pairRatios: pairs.map((p) => Math.round(p.rate * 1000) / 1000),
      ratio,
      goal: GOAL,
    },
    /** Status GETs per CPU second the server got, with tails / without: what the tails cost the
     * server itself, whatever else the machine was doing. */
    perServerCpuRatio: median(pairs.map((p) => p.perCpu)),
    serverCpuMsPerS: {
      without: median(without.map((w) => w.serverCpu)),
      withTails: median(withTails.map((w) => w.serverCpu)),
    },
    /** What the tails cost the server, in CPU ms per s: a fixed cost, so the share of the
     * server's CPU it takes, and with it the rate ratio, depends on how much CPU the server gets
     * (on a machine where it gets a whole core: about 1 - cost / 1000). */
    tailsServerCpuMsPerS: Math.round(median(pairs.map((p) => p.tailsCost))),
    tailsCpuMsPerS: median(withTails.map((w) => w.tailsCpu)),
    leastKeptUp,
  };
  console.log(JSON.stringify(report, null, 2));
  console.log(
    `status GET with ${TAILS} output tails open: ${(ratio * 100).toFixed(0)}% of its rate ` +
      `without them (median of ${REPEAT} back-to-back pairs; goal ${GOAL * 100}%); per CPU ` +
      `second the server got: ${(report.perServerCpuRatio * 100).toFixed(0)}%; the tails cost the ` +
      `server ${report.tailsServerCpuMsPerS} ms of CPU per s; the slowest tail ` +
      `had been sent ${(leastKeptUp * 100).toFixed(0)}% of what was written while it was open`,
  );
}

void main();
