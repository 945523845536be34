#!/usr/bin/env node
import { userInfo } from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { DamsonError } from '../errors';
import { DAMSON_VERSION } from '../version';
import { tokensCommand } from './token-commands';
import type { ListenAddress } from './run-server';
import { RUNNER_KINDS } from '../jobs/runner-kind';

// Each process loads only what its command runs: `damson start` (the supervisor) never loads the
// settings schema, the HTTP stack, a store driver, ZeroMQ or a runner; a server never loads the
// scheduler or the agent. So these are required when their command runs (CommonJS require:
// `import()` would load them as ESM).
/* eslint-disable @typescript-eslint/no-require-imports */
const loadSettings: typeof import('../config/load-settings').loadSettings = (...args) =>
  (require('../config/load-settings') as typeof import('../config/load-settings')).loadSettings(
    ...args,
  );
const generateKeys: typeof import('../transport/link-security').generateKeys = (...args) =>
  (
    require('../transport/link-security') as typeof import('../transport/link-security')
  ).generateKeys(...args);
const runJobs: typeof import('../client/jobs-program').runJobs = (...args) =>
  (require('../client/jobs-program') as typeof import('../client/jobs-program')).runJobs(...args);
const runAdmin: typeof import('../client/admin-program').runAdmin = (...args) =>
  (require('../client/admin-program') as typeof import('../client/admin-program')).runAdmin(
    ...args,
  );
const start: typeof import('./start-command').start = (...args) =>
  (require('./start-command') as typeof import('./start-command')).start(...args);
const makeStartPlan: typeof import('./start-plan').makeStartPlan = () =>
  (require('./start-plan') as typeof import('./start-plan')).makeStartPlan();
const runServer: typeof import('./run-server').runServer = (listen) =>
  (require('./run-server') as typeof import('./run-server')).runServer(listen);
const initHome: typeof import('../init/init-home').initHome = (...args) =>
  (require('../init/init-home') as typeof import('../init/init-home')).initHome(...args);
const runScheduler = (): Promise<void> =>
  (require('./run-scheduler') as typeof import('./run-scheduler')).runScheduler();
const runAgent: typeof import('./run-agent').runAgent = (options) =>
  (require('./run-agent') as typeof import('./run-agent')).runAgent(options);
const runCombined: typeof import('./run-combined').runCombined = (options) =>
  (require('./run-combined') as typeof import('./run-combined')).runCombined(options);
const checkServices: typeof import('../services/check-services').checkServices = (...args) =>
  (
    require('../services/check-services') as typeof import('../services/check-services')
  ).checkServices(...args);
const checkArgv: typeof import('./check-argv').checkArgv = (...args) =>
  (require('./check-argv') as typeof import('./check-argv')).checkArgv(...args);
/* eslint-enable @typescript-eslint/no-require-imports */

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError('expected a port, 1 to 65535');
  return n;
}

/** `--listen 127.0.0.1:4044`: a host (IPv4, [IPv6] or a name) and a port. */
function listenAddress(value: string): ListenAddress {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]{1,253}):(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535)
    throw new InvalidArgumentError('expected host:port, e.g. 127.0.0.1:4044');
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

function fail(error: unknown): never {
  const message =
    error instanceof DamsonError
      ? `${error.code}: ${error.message}`
      : String((error as Error)?.message ?? error);
  process.stderr.write(`damson: ${message}\n`);
  process.exit(error instanceof DamsonError ? 2 : 1);
}

/** Exit 0 when every service file loads, 1 otherwise; one line per problem on stdout. */
function check(servicesDirectory: string | undefined, strict: boolean): void {
  let directory = servicesDirectory;
  let pipelines: string | undefined;
  if (directory === undefined) {
    try {
      ({ services: directory, pipelines } = loadSettings().directories);
    } catch (error) {
      const message = error instanceof DamsonError ? error.message : String(error);
      process.stdout.write(`error: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
      process.exit(1);
    }
  }
  const report = checkServices(path.resolve(directory), pipelines);
  for (const line of report.problems) process.stdout.write(`${line}\n`);
  process.stderr.write(`${report.summary}\n`);
  process.exit(report.ok && !(strict && report.problems.length) ? 0 : 1);
}

const program = new Command('damson')
  .description('Turn command-line tools into web services (slivka-compatible).')
  .version(DAMSON_VERSION)
  .enablePositionalOptions();
program
  .command('start')
  .description('run server, scheduler and a local agent together')
  .option('--no-local-agent', 'no local agent (only cluster agents, started with `damson agent`)')
  .action((options: { localAgent: boolean }) => {
    const exitCode = start(__filename, options);
    if (exitCode !== null) process.exit(exitCode);
  });
program
  .command('start-plan', { hidden: true })
  .description("what `damson start`'s supervisor needs from the settings, as JSON")
  .action(() => {
    try {
      process.stdout.write(`${JSON.stringify(makeStartPlan())}\n`);
    } catch (error) {
      fail(error);
    }
  });
program
  .command('combined', { hidden: true })
  .description('server, scheduler and a local agent in one process (`damson start` runs it)')
  .option('--no-local-agent', 'no local agent')
  .action((options: { localAgent: boolean }) => runCombined(options).catch(fail));
program
  .command('server')
  .description('run the HTTP server')
  .option(
    '--listen <host:port>',
    'listen here instead of server.host (several servers on one host, behind nginx)',
    listenAddress,
  )
  .action((options: { listen?: ListenAddress }) => runServer(options.listen).catch(fail));
program
  .command('init')
  .argument('[dir]', 'the new project home (created if absent)', '.')
  .description(
    'a new project home: settings.yaml, an example service, nginx.conf and systemd units',
  )
  .option('--prefix <path>', 'server.prefix: serve Damson below this URL path', '')
  .option('--port <n>', "the server's port (server.host is 127.0.0.1:<n>)", portNumber, 4040)
  .option('--nginx-listen <address>', "nginx.conf's listen address", '80')
  .action((dir: string, options: { prefix: string; port: number; nginxListen: string }) => {
    try {
      const written = initHome(dir, {
        ...options,
        user: userInfo().username,
        nodePath: process.execPath,
        damsonScript: __filename,
      });
      for (const file of written) process.stdout.write(`wrote ${file}\n`);
      process.stdout.write(`next: cd ${path.resolve(dir)} && damson start\n`);
    } catch (error) {
      fail(error);
    }
  });
program
  .command('scheduler')
  .description('run the scheduler')
  .action(() => runScheduler().catch(fail));
program
  .command('agent')
  .description('run a runner agent')
  .option('--kind <kind>', RUNNER_KINDS.join(', '), 'local')
  .option('--slots <n>', 'how many jobs it holds at once', positiveInteger)
  .option('--name <name>', 'unique per agent, stable across restarts: keys its journal')
  .option('--metrics-address <host:port>', 'serve /metrics and /healthz here (or off)')
  .option(
    '--poll-interval <ms>',
    'slurm/gridengine: milliseconds between status polls (one engine call each)',
    positiveInteger,
  )
  .action(
    (options: {
      kind: string;
      slots?: number;
      name?: string;
      pollInterval?: number;
      metricsAddress?: string;
    }) => runAgent({ ...options, pollIntervalMs: options.pollInterval }).catch(fail),
  );
program
  .command('keys')
  .description(
    "create the agent link's CURVE keys: the scheduler's and the local agent's, or with --agent a remote agent's",
  )
  .option(
    '--agent <name>',
    "a new key pair for a remote agent, added to the scheduler's allow-list",
  )
  .action((options: { agent?: string }) => {
    try {
      const settings = loadSettings();
      for (const file of generateKeys(settings.link.keysDirectory, options.agent))
        process.stdout.write(`wrote ${file}\n`);
      if (options.agent) {
        process.stdout.write(
          `copy scheduler.pub and agent-${options.agent}.key (as agent.key) into the agent host's ` +
            'link.keys-directory (mode 0700, files 0600), then delete agent-' +
            `${options.agent}.key here\n`,
        );
      }
    } catch (error) {
      fail(error);
    }
  });
program
  .command('check')
  .argument(
    '[args...]',
    'directory of *.service.yaml files (default: from the settings); with --argv, key=value pairs',
  )
  .description('validate every service file: exit 0 if all load, 1 otherwise')
  .option('--strict', 'fail on warnings too')
  .option('--argv <service>', 'print the argv and environment a job of <service> would get')
  .action(async (args: string[], options: { strict?: boolean; argv?: string }) => {
    try {
      if (options.argv !== undefined) process.exit(await checkArgv(options.argv, args));
      if (args.length > 1) throw new Error('check takes one services directory');
      check(args[0], options.strict === true);
    } catch (error) {
      fail(error);
    }
  });
program
  .command('jobs')
  .description('the command-line client: submit, follow and fetch jobs (`damson jobs --help`)')
  .helpOption(false)
  .allowUnknownOption()
  .allowExcessArguments()
  .passThroughOptions()
  .argument('[args...]')
  .action(async (args: string[]) => {
    process.exitCode = await runJobs('damson jobs', args);
  });
program.addCommand(tokensCommand(fail));

program
  .command('admin')
  .description(
    "an administrator's controls: agents, pause, drain, bulk cancel (`damson admin --help`)",
  )
  .helpOption(false)
  .allowUnknownOption()
  .allowExcessArguments()
  .passThroughOptions()
  .argument('[args...]')
  .action(async (args: string[]) => {
    process.exitCode = await runAdmin('damson admin', args);
  });

program.parseAsync(process.argv).catch(fail);
