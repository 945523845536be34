import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * `npm run bench`: every benchmark in turn, each in its own process (each measures its own
 * baselines in the same run and prints ratios). The cluster benchmark needs running engines
 * (scripts/slurm.sh start, scripts/gridengine.sh start); add it with BENCH_CLUSTER=1.
 */
const SUITES = ['http-api', 'scheduler-dispatch', 'e2e-throughput', 'store-bench'];
if (process.env.BENCH_CLUSTER === '1') SUITES.push('cluster-status');

let failed = 0;
for (const suite of SUITES) {
  process.stdout.write(`\n== bench: ${suite}\n`);
  const result = spawnSync(process.execPath, [path.join(__dirname, `${suite}.js`)], {
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    failed++;
    process.stdout.write(`== bench: ${suite} exited with ${result.status ?? result.signal}\n`);
  }
}
process.exit(failed ? 1 : 0);
