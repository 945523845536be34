import type { ConfigError } from '../errors';
import { splitWords } from './command/split-words';
import type { ArgTemplate, OutputSpec, RunnerSpec, ServiceTest } from './service';
import type { ServiceLocator } from './service-locator';
import {
  canonicalRunnerType,
  isPythonRunnerClass,
  runnerAdvice,
  SUPPORTED_RUNNERS,
} from './runner-types';

type Raw = Record<string, unknown>;

/** A template's quotes must balance; found at load time rather than when a job is built. */
export function checkWords(locator: ServiceLocator, keyPath: string[], text: string): void {
  try {
    splitWords(text);
  } catch (error) {
    throw locator.error(keyPath, `${(error as Error).message} in ${JSON.stringify(text)}`, true);
  }
}

/** slivka's runner constructor arguments: each a string or a list of strings. */
const RUNNER_PARAMETERS: Record<string, string[]> = {
  ShellRunner: [],
  SlivkaQueueRunner: ['address'],
  GridEngineRunner: ['qargs'],
  SlurmRunner: ['sbatchargs'],
  LSFRunner: ['bsubargs'],
  local: [],
  slurm: ['sbatchargs'],
  gridengine: ['qargs'],
};

/** Submit options the agent splits into words (src/runners/cluster/runner-args.ts does the same). */
const SPLIT_PARAMETERS = new Set(['sbatchargs', 'qargs', 'bsubargs']);

function checkRunnerParameters(
  locator: ServiceLocator,
  id: string,
  type: string,
  parameters: Raw,
): void {
  const known = RUNNER_PARAMETERS[type];
  for (const [key, value] of Object.entries(parameters)) {
    const keyPath = ['execution', 'runners', id, 'parameters', key];
    const isText = typeof value === 'string';
    const isTextList = Array.isArray(value) && value.every((v) => typeof v === 'string');
    if (known?.includes(key) && !isText && !isTextList) {
      throw locator.error(keyPath, `expected a string or a list of strings for '${key}'`, true);
    }
    if (known && !known.includes(key)) {
      // An error, not a warning: a misspelt `sbatch_args` would silently drop the partition.
      const expected = known.length ? `; ${type} takes: ${known.join(', ')}` : '';
      throw locator.error(keyPath, `'${key}' is not a ${type} parameter${expected}`);
    }
    // Split here exactly as the agent will, so bad quoting fails the check, not every job.
    if (SPLIT_PARAMETERS.has(key) && isText) checkWords(locator, keyPath, value);
  }
}

/** Known to slivka but without a Damson agent: the file loads, jobs sent there are refused. */
const UNSUPPORTED_RUNNERS = new Set(['LSFRunner']);

export function parseArgs(locator: ServiceLocator, raw: Raw): ArgTemplate[] {
  return Object.entries(raw).map(([id, value]) => {
    const a = value as Raw;
    checkWords(locator, ['args', id, 'arg'], String(a.arg));
    const symlink = (a.symlink as string | undefined) ?? null;
    if (symlink !== null && (symlink.includes('/') || symlink === '.' || symlink === '..')) {
      throw locator.error(
        ['args', id, 'symlink'],
        `expected a plain file name inside the job directory, got '${symlink}'`,
        true,
      );
    }
    return {
      id,
      template: String(a.arg),
      symlink,
      join: (a.join as string | undefined) ?? null,
      default: (a.default as string | undefined) ?? null,
    };
  });
}

/**
 * Likely typos slivka accepted silently: an argument that can never get a value (no parameter
 * of its id, no default, no runner constant), and a parameter that never reaches the command.
 */
export function unusedWarnings(
  locator: ServiceLocator,
  parameters: { id: string }[],
  args: ArgTemplate[],
  runners: RunnerSpec[],
): ConfigError[] {
  const warnings: ConfigError[] = [];
  const parameterIds = new Set(parameters.map((p) => p.id));
  const argIds = new Set(args.map((a) => a.id));
  const constIds = new Set(runners.flatMap((r) => Object.keys(r.consts)));
  const known = (ids: Set<string>) => [...ids].join(', ') || 'none';
  for (const arg of args) {
    if (parameterIds.has(arg.id) || arg.default !== null || constIds.has(arg.id)) continue;
    if (!/\$(\(value\)|\{value\}|value(?![A-Za-z0-9_]))/.test(arg.template)) continue;
    warnings.push(
      locator.error(
        ['args', arg.id],
        `argument '${arg.id}' has no parameter of that id, no default and no runner constant, ` +
          `so it is never used (parameters: ${known(parameterIds)})`,
      ),
    );
  }
  for (const p of parameters) {
    if (argIds.has(p.id)) continue;
    warnings.push(
      locator.error(
        ['parameters', p.id],
        `parameter '${p.id}' has no argument of that id in 'args', so its value never reaches the command`,
      ),
    );
  }
  return warnings;
}

export function parseOutputs(raw: Raw): OutputSpec[] {
  return Object.entries(raw).map(([id, value]) => {
    const o = value as Raw;
    return {
      id,
      path: String(o.path),
      name: typeof o.name === 'string' ? o.name : id,
      mediaType: typeof o['media-type'] === 'string' ? o['media-type'] : '',
    };
  });
}

export function parseRunners(
  locator: ServiceLocator,
  raw: Raw,
  args: ArgTemplate[],
  warnings: ConfigError[],
): RunnerSpec[] {
  const argIds = new Set(args.map((a) => a.id));
  return Object.entries(raw).map(([id, value]) => {
    const r = value as Raw;
    const type = canonicalRunnerType(String(r.type));
    if (UNSUPPORTED_RUNNERS.has(type) || isPythonRunnerClass(type)) {
      warnings.push(
        locator.error(
          ['execution', 'runners', id, 'type'],
          `${runnerAdvice(type)}. Jobs for runner '${id}' are refused (at submission when no other runner can take them, else with the job's reason)`,
          true,
        ),
      );
    } else if (!SUPPORTED_RUNNERS.has(type)) {
      throw locator.error(
        ['execution', 'runners', id, 'type'],
        `unknown runner type '${type}'; expected one of: ${[...SUPPORTED_RUNNERS].join(', ')}`,
        true,
      );
    }
    checkRunnerParameters(locator, id, type, (r.parameters as Raw | undefined) ?? {});
    const consts = (r.consts as Record<string, string> | undefined) ?? {};
    for (const key of Object.keys(consts)) {
      if (!argIds.has(key)) {
        warnings.push(
          locator.error(
            ['execution', 'runners', id, 'consts', key],
            `'${key}' is not an argument id in 'args', so this constant is never used`,
          ),
        );
      }
    }
    return {
      id,
      type,
      parameters: (r.parameters as Raw | undefined) ?? {},
      consts,
      env: (r.env as Record<string, string> | undefined) ?? {},
      selectorOptions: (r['selector-options'] as Raw | undefined) ?? {},
    };
  });
}

export function parseTests(
  locator: ServiceLocator,
  raw: unknown,
  runnerIds: Set<string>,
  args: ArgTemplate[],
  warnings: ConfigError[],
): ServiceTest[] {
  if (!Array.isArray(raw)) return [];
  const argIds = new Set(args.map((a) => a.id));
  return (raw as Raw[]).map((t, i) => {
    const applicableRunners = t['applicable-runners'] as string[];
    for (const [j, runner] of applicableRunners.entries()) {
      if (!runnerIds.has(runner)) {
        throw locator.error(
          ['tests', String(i), 'applicable-runners', String(j)],
          `unknown runner '${runner}'; expected one of: ${[...runnerIds].join(', ')}`,
          true,
        );
      }
    }
    const parameters = t.parameters as Record<string, string | string[]>;
    for (const key of Object.keys(parameters)) {
      if (!argIds.has(key)) {
        warnings.push(
          locator.error(
            ['tests', String(i), 'parameters', key],
            `'${key}' is not an argument id in 'args', so the test ignores it`,
          ),
        );
      }
    }
    return {
      applicableRunners,
      parameters,
      timeoutSeconds: (t.timeout as number | undefined) ?? 900,
      intervalSeconds: (t.interval as number | undefined) ?? 3600,
    };
  });
}
