import { Command, CommanderError } from 'commander';
import { makeContext, type CommonOptions, type CommandContext } from './command-context';
import { ClientError, EXIT, type ExitCode } from './exit-codes';
import { downloadCommand, filesCommand, tailCommand } from './file-commands';
import { cancelCommand, statusCommand, waitCommand } from './job-commands';
import { listCommand, type ListOptions } from './list-command';
import { serviceCommand, servicesCommand } from './service-commands';
import { rerunCommand, submitCommand } from './submit-command';
import { safeText } from './terminal-text';

export const CLIENT_VERSION = '0.1.0';

type Action = (ctx: CommandContext, ...args: never[]) => Promise<ExitCode | void>;

export function common(command: Command): Command {
  return command
    .option('--url <url>', 'server base URL (else DAMSON_URL, else the profile)')
    .option(
      '--profile <name>',
      'profile in $XDG_CONFIG_HOME/damson/client.yaml (else DAMSON_PROFILE, else its default)',
    )
    .option('--json', 'machine-readable JSON on stdout')
    .option('--no-color', 'no colours (also NO_COLOR=1)')
    .option('--timeout <seconds>', 'longest silence from the server before giving up', '30');
}

/**
 * The `damson jobs` program. `run` resolves with the exit code instead of exiting, so the same
 * program serves `damson jobs` and the lean `damson-jobs` bin.
 */
export function jobsProgram(name: string, setExit: (code: ExitCode) => void): Command {
  const program = new Command(name)
    .description('Submit, follow and fetch jobs on a Damson or slivka server.')
    .version(CLIENT_VERSION)
    .exitOverride()
    .showHelpAfterError();
  const action =
    (run: Action) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args[args.length - 1] as Command;
      const options = command.optsWithGlobals<CommonOptions>();
      const ctx = makeContext(options);
      const positional = args.slice(0, -2);
      const code = await (
        run as (ctx: CommandContext, ...a: unknown[]) => Promise<ExitCode | void>
      )(ctx, ...positional, options);
      setExit(code ?? EXIT.ok);
    };
  const sub = (spec: string, description: string) =>
    common(program.command(spec).description(description));

  sub('services', 'list the services').action(action((ctx) => servicesCommand(ctx)));
  sub('service <id>', "a service's parameters: types, defaults, limits").action(
    action((ctx, id: string) => serviceCommand(ctx, id)),
  );
  sub(
    'submit <service> [values...]',
    'submit a job: key=value, key=@file uploads a file; prints the job id',
  ).action(action((ctx, service: string, values: string[]) => submitCommand(ctx, service, values)));
  sub('status [id]', "a job's state and parameters (id or `last`)").action(
    action((ctx, id: string | undefined) => statusCommand(ctx, id)),
  );
  sub('wait [id]', 'follow a job to its end: exit 0 if COMPLETED, 1 otherwise')
    .option('--interval <seconds>', 'polling interval on servers without long-poll or events', '2')
    .action(
      action((ctx, id: string | undefined, o: { interval?: string }) => waitCommand(ctx, id, o)),
    );
  sub('files [id]', "a job's output files").action(
    action((ctx, id: string | undefined) => filesCommand(ctx, id)),
  );
  sub(
    'download [id] [dir]',
    "download a job's outputs into dir (default ./<job id>), resuming partial files",
  )
    .option('--file <path...>', 'only these outputs')
    .option('--max-size <bytes>', 'refuse a file larger than this (default 10 GiB)')
    .action(
      action(
        (
          ctx,
          id: string | undefined,
          dir: string | undefined,
          o: { file?: string[]; maxSize?: string },
        ) => downloadCommand(ctx, id, dir, o),
      ),
    );
  sub('cancel [ids...]', 'cancel jobs (default: last)').action(
    action((ctx, ids: string[]) => cancelCommand(ctx, ids)),
  );
  sub(
    'rerun [id] [values...]',
    'submit a job again, key=value overriding its parameters; prints the new id',
  ).action(
    action((ctx, id: string | undefined, values: string[]) => {
      // `rerun key=value` means `rerun last key=value`.
      if (id?.includes('=')) return rerunCommand(ctx, undefined, [id, ...values]);
      return rerunCommand(ctx, id, values);
    }),
  );
  sub('list', 'list jobs, newest first (the server listing, or the jobs submitted from here)')
    .option('--service <id>', 'only this service')
    .option('--status <states>', 'only these states, e.g. FAILED,ERROR')
    .option('--since <when>', 'submitted since a date (2026-01-31) or an age (12h, 7d)')
    .option('--limit <n>', 'at most this many jobs', '50')
    .option('--csv', 'CSV: one row per job, one column per parameter')
    .action(action((ctx, o: ListOptions) => listCommand(ctx, o)));
  sub('tail [id] [path]', 'print an output (default stdout) and follow it while the job runs')
    .option('--no-follow', 'print what there is now and stop')
    .option('--interval <seconds>', 'polling interval where the server cannot stream', '1')
    .action(
      action(
        (
          ctx,
          id: string | undefined,
          file: string | undefined,
          o: { follow?: boolean; interval?: string },
        ) => tailCommand(ctx, id, file, o),
      ),
    );
  return common(program);
}

/** Runs the program on `argv` (user arguments only) and resolves with the exit code. */
export async function runJobs(name: string, argv: readonly string[]): Promise<ExitCode> {
  let exit: ExitCode = EXIT.ok;
  const program = jobsProgram(name, (code) => (exit = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with a CommanderError too.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const message =
      error instanceof ClientError
        ? error.message
        : `unexpected: ${String((error as Error)?.message ?? error)}`;
    process.stderr.write(`${name}: ${safeText(message)}\n`);
    return error instanceof ClientError ? error.exitCode : EXIT.server;
  }
}
