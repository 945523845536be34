import type { ConfigError } from '../errors';
import type { ArgTemplate, RunnerSpec } from './service';
import type { ServiceLocator } from './service-locator';

/** `$NAME` and `${NAME}` as the command builder expands them; `$$` is a literal `$`. */
const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Always in a job's environment (see jobEnvironment). */
const BUILT_IN = ['PATH', 'DAMSON_HOME', 'SLIVKA_HOME'];

function references(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    const name = match[1] ?? match[2];
    if (name !== undefined && name !== 'value') names.push(name);
  }
  return names;
}

/**
 * Damson expands `$NAME` in `command` and `args` against the job's environment only (PATH,
 * DAMSON_HOME, SLIVKA_HOME and the configured `env`), as slivka does: a name that is not there
 * becomes empty, silently. Shell code meant for the job's shell (`$SLURM_JOB_ID`) must be written
 * `$$SLURM_JOB_ID`. Each such reference is a warning naming the runners that lack it.
 */
export function envReferenceWarnings(
  locator: ServiceLocator,
  command: string | string[],
  args: ArgTemplate[],
  serviceEnv: Record<string, string>,
  runners: RunnerSpec[],
): ConfigError[] {
  const warnings: ConfigError[] = [];
  const check = (keyPath: string[], text: string): void => {
    for (const name of new Set(references(text))) {
      if (BUILT_IN.includes(name) || Object.hasOwn(serviceEnv, name)) continue;
      const lacking = runners.filter((r) => !Object.hasOwn(r.env, name)).map((r) => r.id);
      if (lacking.length === 0) continue;
      warnings.push(
        locator.error(
          keyPath,
          `'$${name}' is not in the job's environment (runner ${lacking.join(', ')}): it ` +
            `becomes empty; define it in 'env', or write '$$${name}' for the job's shell`,
        ),
      );
    }
  };
  if (typeof command === 'string') check(['command'], command);
  else command.forEach((word, i) => check(['command', String(i)], word));
  for (const arg of args) check(['args', arg.id, 'arg'], arg.template);
  return warnings;
}
