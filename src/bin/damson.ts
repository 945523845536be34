#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { loadSettings } from '../config/load-settings';
import { DamsonError } from '../errors';
import { DAMSON_VERSION } from '../http/api-router';
import { createLogger } from '../lifecycle/logger';
import { Supervisor } from '../lifecycle/supervisor';
import { loadServiceDirectory } from '../services/service-catalog';
import { runAgent } from './run-agent';
import { runScheduler } from './run-scheduler';
import { runServer } from './run-server';

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function fail(error: unknown): never {
  const message =
    error instanceof DamsonError
      ? `${error.code}: ${error.message}`
      : String((error as Error)?.message ?? error);
  process.stderr.write(`damson: ${message}\n`);
  process.exit(error instanceof DamsonError ? 2 : 1);
}

async function start(): Promise<void> {
  const settings = loadSettings();
  const log = createLogger('damson', settings.logLevel);
  const supervisor = new Supervisor(process.execPath, [__filename], log, (name) => {
    log.error({ child: name }, 'child keeps failing; stopping everything');
    void supervisor.stop().then(() => process.exit(1));
  });
  supervisor.start({ name: 'scheduler', args: ['scheduler'] });
  supervisor.start({ name: 'agent-local', args: ['agent', '--kind', 'local'] });
  supervisor.start({ name: 'server', args: ['server'] });
  log.info(
    { url: `http://${settings.server.host}:${settings.server.port}${settings.server.prefix}/` },
    'damson started',
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping all processes');
    void supervisor.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

function check(): void {
  const settings = loadSettings();
  const { services, errors } = loadServiceDirectory(settings.directories.services);
  for (const s of services) process.stdout.write(`ok     ${s.id} (${s.file})\n`);
  for (const e of errors) process.stdout.write(`error  ${e.message}\n`);
  process.exit(errors.length ? 2 : 0);
}

const program = new Command('damson')
  .description('Turn command-line tools into web services (slivka-compatible).')
  .version(DAMSON_VERSION);
program
  .command('start')
  .description('run server, scheduler and a local agent together')
  .action(() => start().catch(fail));
program
  .command('server')
  .description('run the HTTP server')
  .action(() => runServer().catch(fail));
program
  .command('scheduler')
  .description('run the scheduler')
  .action(() => runScheduler().catch(fail));
program
  .command('agent')
  .description('run a runner agent')
  .option('--kind <kind>', 'local', 'local')
  .option('--slots <n>', 'how many jobs run at once', positiveInteger)
  .option('--name <name>', 'name shown in logs')
  .action((options: { kind: string; slots?: number; name?: string }) =>
    runAgent(options).catch(fail),
  );
program
  .command('check')
  .description('validate settings and every service file')
  .action(() => {
    try {
      check();
    } catch (error) {
      fail(error);
    }
  });

program.parseAsync(process.argv).catch(fail);
