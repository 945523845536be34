import { outageSuite } from './cluster-agent-outage';

// A SLURM and a Grid Engine agent away for 20 s: killed, stopped gracefully, and killed while an
// administrator cancels one job's engine job; all six at once. The 120 s outages are in the
// .slow.test.ts file.
outageSuite(
  ['slurm', 'gridengine'],
  [
    { label: 'kill-20s', stop: 'SIGKILL', outageMs: 20_000 },
    { label: 'term-20s', stop: 'SIGTERM', outageMs: 20_000 },
    { label: 'kill-20s-cancel', stop: 'SIGKILL', outageMs: 20_000, adminCancel: true },
  ],
  300_000,
);
