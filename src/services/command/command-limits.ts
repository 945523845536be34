import type { JobInputs } from '../../jobs';
import type { FieldError } from '../form/field-error';
import type { Service } from '../service';
import { commandParts } from './build-command';

/**
 * Linux's MAX_ARG_STRLEN: one argv string, its terminating NUL included. execve fails with E2BIG
 * for a longer one, whatever the total, so such a job could never start.
 */
export const MAX_ARGUMENT_BYTES = 131072;

/**
 * The most a job's command line may weigh, measured as it travels to the agent: the JSON of its
 * argv and input links (UTF-8; a quote, backslash, tab or newline counts twice). The dispatch
 * message carrying it is limited to 1 MiB (MAX_MESSAGE_BYTES of the agent link); the rest of
 * that budget is left to what the administrator configures (env, runner parameters, paths).
 * It also keeps the command far below the kernel's total for argv and environment (ARG_MAX,
 * usually 2 MiB).
 */
export const MAX_COMMAND_BYTES = 512 * 1024;

const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

/**
 * Why the command built from these inputs could not be launched or sent to an agent, as field
 * errors naming the parameter at fault; empty when it can. Checked for every runner of the
 * service, since the runner is chosen later. Environment references count as empty: their values
 * belong to the administrator and stay small.
 */
export function commandSizeErrors(service: Service, inputs: JobInputs): FieldError[] {
  const host = { processEnv: {}, home: '' };
  let worst: { parameter: string; total: number; share: number } | null = null;
  for (const runner of service.runners) {
    const { base, args, links } = commandParts(service, runner, inputs, host);
    for (const arg of args) {
      const longest = Math.max(0, ...arg.words.map((word) => Buffer.byteLength(word) + 1));
      if (longest > MAX_ARGUMENT_BYTES) {
        return [
          {
            parameter: arg.id,
            errorCode: 'argument_too_long',
            message:
              `Value makes a command-line argument of ${longest - 1} bytes; one argument can ` +
              `hold at most ${MAX_ARGUMENT_BYTES - 1} bytes (Linux MAX_ARG_STRLEN)`,
          },
        ];
      }
    }
    const total = jsonBytes(base.concat(...args.map((arg) => arg.words))) + jsonBytes(links);
    if (total <= MAX_COMMAND_BYTES || args.length === 0) continue;
    const largest = args
      .map((arg) => ({ parameter: arg.id, share: jsonBytes(arg.words) }))
      .reduce((a, b) => (b.share > a.share ? b : a));
    if (worst === null || total > worst.total) worst = { ...largest, total };
  }
  if (worst === null) return [];
  return [
    {
      parameter: worst.parameter,
      errorCode: 'command_too_long',
      message:
        `The command line would be ${worst.total} bytes (this value adds ${worst.share}); ` +
        `at most ${MAX_COMMAND_BYTES} bytes may be passed to a tool`,
    },
  ];
}
