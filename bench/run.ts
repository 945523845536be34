import { spawn, spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { packageRoot } from '../src/lifecycle/package-root';
import { appendBenchEntry, type SuiteOutcome } from './bench-results';

/**
 * `npm run bench`: every benchmark in turn, each in its own process (each measures its own
 * baselines in the same run and prints ratios). The cluster benchmark needs running engines
 * (scripts/slurm.sh start, scripts/gridengine.sh start); add it with BENCH_CLUSTER=1.
 * The end of each suite's output is appended, dated, to bench/results.md (BENCH_RESULTS_FILE
 * elsewhere, BENCH_RESULTS_FILE=none not at all).
 */
const ALL = [
  'http-api',
  'scheduler-dispatch',
  'e2e-throughput',
  'store-bench',
  'live-output',
  'cluster-status',
];
const SUITES = ALL.filter(
  (suite) => suite !== 'cluster-status' || process.env.BENCH_CLUSTER === '1',
);
// BENCH_SUITES=a,b runs only those (names as above), e.g. to try the runner at a reduced size.
const only = process.env.BENCH_SUITES?.split(',').filter((name) => name !== '');
if (only?.length) {
  const unknown = only.filter((name) => !ALL.includes(name));
  if (unknown.length)
    throw new Error(`BENCH_SUITES: unknown ${unknown.join(', ')} (${ALL.join(', ')})`);
  SUITES.splice(0, SUITES.length, ...only);
}

const root = packageRoot(__dirname);
const resultsFile = process.env.BENCH_RESULTS_FILE ?? path.join(root, 'bench/results.md');

/** Runs one suite with its output shown as it comes and kept for the results file. */
function runSuite(suite: string): Promise<SuiteOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(__dirname, `${suite}.js`)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      process.stdout.write(chunk);
    });
    child.once('error', (error) =>
      resolve({ suite, status: error.message, output: Buffer.concat(chunks).toString('utf8') }),
    );
    child.once('close', (code, signal) =>
      resolve({
        suite,
        status: code ?? signal ?? 'unknown',
        output: Buffer.concat(chunks).toString('utf8'),
      }),
    );
  });
}

function commitOf(): string {
  const git = (args: string[]): string =>
    spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout?.trim() ?? '';
  const commit = git(['rev-parse', '--short', 'HEAD']) || 'unknown';
  return git(['status', '--porcelain', '--untracked-files=no'])
    ? `${commit} (with changes)`
    : commit;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const startLoad = loadavg()[0].toFixed(1);
  const outcomes: SuiteOutcome[] = [];
  for (const suite of SUITES) {
    process.stdout.write(`\n== bench: ${suite}\n`);
    const outcome = await runSuite(suite);
    if (outcome.status !== 0)
      process.stdout.write(`== bench: ${suite} exited with ${outcome.status}\n`);
    outcomes.push(outcome);
  }
  if (resultsFile !== 'none') {
    appendBenchEntry(resultsFile, {
      date: startedAt,
      commit: commitOf(),
      machine:
        `Node ${process.version}, ${cpus().length} cores, load average ${startLoad} at the start ` +
        `and ${loadavg()[0].toFixed(1)} at the end; environment: ` +
        (Object.keys(process.env)
          .filter((name) => name.startsWith('BENCH_'))
          .sort()
          .map((name) => `${name}=${process.env[name]}`)
          .join(' ') || 'defaults') +
        '.',
      suites: outcomes,
    });
    process.stdout.write(`\n== results appended to ${resultsFile}\n`);
  }
  process.exit(outcomes.some((o) => o.status !== 0) ? 1 : 0);
}

void main();
