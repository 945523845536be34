import { outageSuite } from './cluster-agent-outage';

// The slow tier (npm test runs it; name-filter `slow` out for a quick local run): a SLURM and a
// Grid Engine agent away for 120 s, killed and stopped gracefully, all four at once.
outageSuite(
  ['slurm', 'gridengine'],
  [
    { label: 'kill-120s', stop: 'SIGKILL', outageMs: 120_000 },
    { label: 'term-120s', stop: 'SIGTERM', outageMs: 120_000 },
  ],
  600_000,
);
