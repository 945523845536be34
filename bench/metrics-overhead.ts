import { cpus } from 'node:os';
import { cpuMs } from './bench-lib';
import { startBenchServer, statusGetLoad, stopBenchServer, type BenchServer } from './bench-child';

/**
 * What metrics cost the hottest route: the status GET by id with metrics on (every request
 * counted and timed, every store call timed, `/metrics` scraped every few seconds as Prometheus
 * would) against the same server with `metrics.server: off`, in the same run. Goal: ≥ 95% of the
 * rate. Runs alternate (off, on, off, on ...) and the median of each is compared.
 *
 * BENCH_SECONDS (default 5) and BENCH_REPEAT (default 3) scale it; a smoke run uses 1 and 1.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const CONNECTIONS = 50;
const SCRAPE_EVERY_MS = 2000;
const GOAL = 0.95;

type Mode = 'on' | 'off';

interface Result {
  rps: number;
  p99Ms: number;
  non2xx: number;
  cpuMsPerRequest: number;
}

async function load(server: BenchServer, mode: Mode, seconds: number): Promise<Result> {
  const base = `http://127.0.0.1:${server.port}`;
  // As Prometheus would, only faster: the scrape's cost is part of what is measured.
  const scraper =
    mode === 'on'
      ? setInterval(
          () =>
            void fetch(`${base}/metrics`)
              .then((r) => r.text())
              .catch(() => undefined),
          SCRAPE_EVERY_MS,
        )
      : null;
  const cpuBefore = cpuMs(server.child.pid!) / 1000;
  try {
    const result = await statusGetLoad(server, seconds, CONNECTIONS);
    const cpu = cpuMs(server.child.pid!) / 1000 - cpuBefore;
    return {
      rps: result.requests.average,
      p99Ms: result.latency.p99,
      non2xx: result.non2xx + result.errors,
      cpuMsPerRequest: (cpu * 1000) / Math.max(1, result.requests.total),
    };
  } finally {
    if (scraper) clearInterval(scraper);
  }
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const servers = {
    off: await startBenchServer('metrics-server.js', 'off'),
    on: await startBenchServer('metrics-server.js', 'on'),
  };
  const runs: Record<Mode, Result[]> = { off: [], on: [] };
  try {
    for (const mode of ['off', 'on'] as const) await load(servers[mode], mode, 1); // warm-up
    for (let r = 0; r < REPEAT; r++) {
      for (const mode of ['off', 'on'] as const) {
        const result = await load(servers[mode], mode, SECONDS);
        runs[mode].push(result);
        console.log(JSON.stringify({ run: r + 1, metrics: mode, ...result }));
      }
    }
  } finally {
    await Promise.all(Object.values(servers).map(stopBenchServer));
  }
  const summary = (mode: Mode) => ({
    rps: median(runs[mode].map((x) => x.rps)),
    p99Ms: median(runs[mode].map((x) => x.p99Ms)),
    cpuMsPerRequest: median(runs[mode].map((x) => x.cpuMsPerRequest)),
    non2xx: runs[mode].reduce((n, x) => n + x.non2xx, 0),
  });
  const on = summary('on');
  const off = summary('off');
  const report = {
    node: process.version,
    cpus: cpus().length,
    seconds: SECONDS,
    repeat: REPEAT,
    metricsOn: on,
    metricsOff: off,
    ratio: on.rps / off.rps,
    cpuRatio: off.cpuMsPerRequest / on.cpuMsPerRequest,
    goal: GOAL,
  };
  console.log(JSON.stringify(report, null, 2));
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  console.log(
    `status GET with metrics on: ${pct(report.ratio)} of the rate with metrics off ` +
      `(${pct(report.cpuRatio)} by CPU per request; goal ${pct(GOAL)})`,
  );
  if (on.non2xx || off.non2xx) {
    console.error('non-2xx responses during the benchmark');
    process.exitCode = 1;
  }
}

void main();
