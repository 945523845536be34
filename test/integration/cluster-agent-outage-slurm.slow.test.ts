import { outageSuite } from './cluster-agent-outage';

// The slow tier (npm test runs it; name-filter `slow` out for a quick local run): the slurm agent
// away for 120 s, killed and stopped gracefully, in parallel.
outageSuite(
  'slurm',
  [
    { label: 'kill-120s', stop: 'SIGKILL', outageMs: 120_000 },
    { label: 'term-120s', stop: 'SIGTERM', outageMs: 120_000 },
  ],
  600_000,
);
