#!/usr/bin/env node
// The `damson` command: `damson jobs ...` runs the client without loading any server module
// (fast on a laptop); everything else is the server's command line in damson.ts.
import { runJobs } from '../client/jobs-program';

if (process.argv[2] === 'jobs') {
  runJobs('damson jobs', process.argv.slice(3)).then((code) => {
    process.exitCode = code;
  });
} else {
  void import('./damson.js');
}
