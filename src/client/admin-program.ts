import { Command, CommanderError } from 'commander';
import {
  agentsCommand,
  cancelJobsCommand,
  drainCommand,
  pauseCommand,
  pausesCommand,
  type CancelOptions,
  type PauseOptions,
} from './admin-commands';
import { makeContext, type CommandContext, type CommonOptions } from './command-context';
import { ClientError, EXIT, type ExitCode } from './exit-codes';
import { common } from './jobs-program';
import { safeText } from './terminal-text';

type Run = (
  ctx: CommandContext,
  args: unknown[],
  options: Record<string, unknown>,
) => Promise<void>;

/**
 * The `damson admin` program: an administrator's controls over the admin API. The token (with
 * the `admin` scope) comes from DAMSON_TOKEN or the profile, as for `damson jobs`.
 */
export function adminProgram(name: string): Command {
  const program = new Command(name)
    .description("An administrator's controls: agents, pauses, drains, bulk cancel.")
    .exitOverride()
    .showHelpAfterError();
  const action =
    (run: Run) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args[args.length - 1] as Command;
      const options = command.optsWithGlobals<CommonOptions & Record<string, unknown>>();
      await run(makeContext(options), args.slice(0, -2), options);
    };
  const sub = (spec: string, description: string) =>
    common(program.command(spec).description(description));

  sub('agents', 'list agents: kinds, state, slots busy and free, jobs held, last heard').action(
    action((ctx) => agentsCommand(ctx)),
  );
  sub('pauses', 'list paused services and runners').action(action((ctx) => pausesCommand(ctx)));
  for (const verb of ['pause', 'resume'] as const) {
    const command = sub(
      verb,
      verb === 'pause'
        ? 'pause a service or a runner kind: its jobs wait as PENDING'
        : 'resume a paused service or runner kind',
    )
      .option('--service <id>', 'a service id')
      .option('--runner <kind>', 'a runner kind: local, slurm or gridengine');
    if (verb === 'pause') command.option('--reason <text>', 'shown with each waiting job');
    command.action(action((ctx, _args, o) => pauseCommand(ctx, verb, o as PauseOptions)));
  }
  sub('drain <agent>', 'the agent takes no new jobs and finishes those it runs').action(
    action((ctx, [agent]) => drainCommand(ctx, String(agent), true)),
  );
  sub('undrain <agent>', 'end a drain: the agent takes jobs again').action(
    action((ctx, [agent]) => drainCommand(ctx, String(agent), false)),
  );
  sub('cancel', 'cancel jobs by filter: a dry-run count, or with --yes the cancel itself')
    .option('--service <id>', 'only this service')
    .option('--status <states>', 'only these unfinished states, e.g. PENDING,QUEUED')
    .option('--before <date>', 'submitted before this date (2026-01-31 or 2026-01-31T12:00:00Z)')
    .option('--after <date>', 'submitted at or after this date')
    .option('--limit <n>', 'at most this many jobs per request')
    .option('--yes', 'cancel them (without it, only count)')
    .action(action((ctx, _args, o) => cancelJobsCommand(ctx, o as CancelOptions)));
  return common(program);
}

/** Runs the program on `argv` (user arguments only) and resolves with the exit code. */
export async function runAdmin(name: string, argv: readonly string[]): Promise<ExitCode> {
  try {
    await adminProgram(name).parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const message =
      error instanceof ClientError
        ? error.message
        : `unexpected: ${String((error as Error)?.message ?? error)}`;
    process.stderr.write(`${name}: ${safeText(message)}\n`);
    return error instanceof ClientError ? error.exitCode : EXIT.server;
  }
}
