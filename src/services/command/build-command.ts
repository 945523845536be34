import path from 'node:path';
import type { JobInputs } from '../../jobs';
import type { RunnerSpec, Service } from '../service';
import { expandEnv, substituteValue } from './expand-env';
import { splitWords } from './split-words';

export interface SymlinkSpec {
  /** Name inside the job directory. */
  name: string;
  /** Absolute path of the input file. */
  target: string;
}

export interface BuiltCommand {
  argv: string[];
  env: Record<string, string>;
  links: SymlinkSpec[];
}

export interface HostEnvironment {
  /** The process environment the administrator's `env` values may refer to. */
  processEnv: NodeJS.ProcessEnv;
  home: string;
}

/**
 * The job's environment is exactly PATH, DAMSON_HOME/SLIVKA_HOME and the configured `env`
 * (service, then runner). Values may refer to the host environment; users cannot reach it.
 */
export function jobEnvironment(service: Service, runner: RunnerSpec, host: HostEnvironment) {
  const base: Record<string, string> = {
    PATH: host.processEnv.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    DAMSON_HOME: host.home,
    SLIVKA_HOME: host.home,
  };
  const env = { ...base };
  const configured = Object.entries({ ...service.env, ...runner.env });
  // Built per job only when needed: most services configure no environment.
  if (configured.length === 0) return env;
  const lookup = { ...(host.processEnv as Record<string, string>), ...base };
  for (const [name, value] of configured) env[name] = expandEnv(value, lookup);
  return env;
}

function baseCommand(service: Service, env: Record<string, string>): string[] {
  // A string is split first, then expanded (a variable holding spaces stays one word), as slivka.
  const words = typeof service.command === 'string' ? splitWords(service.command) : service.command;
  return words.map((word) => expandEnv(word, env));
}

function argValues(
  value: string | string[],
  arg: Service['args'][number],
  links: SymlinkSpec[],
): string | string[] {
  if (Array.isArray(value)) {
    let values = value;
    if (arg.symlink) {
      values = value.map((target, i) => {
        const name = `${arg.symlink}.${String(i).padStart(4, '0')}`;
        links.push({ name, target });
        return name;
      });
    }
    return arg.join !== null ? values.join(arg.join) : values;
  }
  if (arg.symlink) {
    links.push({ name: arg.symlink, target: value });
    return arg.symlink;
  }
  return value;
}

/** The words one argument contributes (several per value for an array without `join`). */
export interface ArgumentWords {
  id: string;
  words: string[];
}

/**
 * The argv of one job in its parts: the command's own words, then each argument's words in file
 * order. Environment references are expanded in the templates first, the templates are split into
 * words, and only then are user values put in, each inside its own word.
 */
export function commandParts(
  service: Service,
  runner: RunnerSpec,
  inputs: JobInputs,
  host: HostEnvironment,
): { base: string[]; args: ArgumentWords[]; env: Record<string, string>; links: SymlinkSpec[] } {
  const env = jobEnvironment(service, runner, host);
  const base = baseCommand(service, env);
  const links: SymlinkSpec[] = [];
  const args: ArgumentWords[] = [];
  for (const arg of service.args) {
    const fallback = runner.consts[arg.id] ?? arg.default;
    const value = inputs[arg.id] ?? fallback;
    if (value === null || value === undefined) continue;
    const templateWords = splitWords(expandEnv(arg.template, env));
    const values = argValues(value, arg, links);
    const words: string[] = [];
    for (const v of Array.isArray(values) ? values : [values]) {
      for (const word of templateWords) words.push(substituteValue(word, v));
    }
    args.push({ id: arg.id, words });
  }
  return { base, args, env, links };
}

/** Builds the argv of one job (see `commandParts`). */
export function buildCommand(
  service: Service,
  runner: RunnerSpec,
  inputs: JobInputs,
  host: HostEnvironment,
): BuiltCommand {
  const { base, args, env, links } = commandParts(service, runner, inputs, host);
  const argv = base.concat(...args.map((arg) => arg.words));
  for (const link of links) {
    if (link.name.includes('/') || link.name === '..' || path.isAbsolute(link.name)) {
      throw new Error(`symlink name '${link.name}' must be a plain file name`);
    }
  }
  return { argv, env, links };
}
