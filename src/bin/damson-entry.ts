#!/usr/bin/env node
// The `damson` command: `damson jobs ...` and `damson admin ...` run the client without loading
// any server module (fast on a laptop); everything else is the server's command line in damson.ts.
import { runAdmin } from '../client/admin-program';
import { runJobs } from '../client/jobs-program';

const command = process.argv[2];
const client = command === 'jobs' ? runJobs : command === 'admin' ? runAdmin : null;
if (client) {
  client(`damson ${command}`, process.argv.slice(3)).then((code) => {
    process.exitCode = code;
  });
} else {
  void import('./damson.js');
}
