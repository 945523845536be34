#!/usr/bin/env node
// The lean entry of the command-line client: it loads only src/client (no server, store,
// scheduler or runner code), so it starts fast and can be installed on a laptop alone.
import { runJobs } from '../client/jobs-program';

runJobs('damson-jobs', process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
