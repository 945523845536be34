import { createHash } from 'node:crypto';
import { envReferenceWarnings } from './env-references';
import path from 'node:path';
import Ajv from 'ajv';
import { YamlSource } from '../config/yaml-source';
import { ConfigError } from '../errors';
import { compileCondition, ConditionError, type ParamTypeInfo } from './condition/condition';
import { cachePolicy } from './cache-policy';
import { convertScalar } from './form/convert-scalar';
import { includeTag } from './include-tag';
import { parseParameter, ParameterProblem } from './parse-parameter';
import { parseSelector } from './parse-selector';
import { recordDefaultCommands } from './python-default';
import { progressOf } from './progress-spec';
import { schemaProblem } from './schema-problem';
import type { Parameter, Service } from './service';
import { commentHint, plainLocator, yamlLocator, type ServiceLocator } from './service-locator';
import { serviceSchema } from './service-schema';
import {
  checkWords,
  parseArgs,
  parseOutputs,
  parseRunners,
  parseTests,
  unusedWarnings,
} from './service-parts';

export const SERVICE_FILE = /^([a-zA-Z0-9_\-.]+)\.service\.ya?ml$/;

const ajv = new Ajv({ allErrors: false, strict: false, verbose: true });
const validateShape = ajv.compile(serviceSchema);

type Raw = Record<string, unknown>;

function checkDefault(p: Parameter): void {
  if (p.default === null) return;
  const items = p.array ? (p.default as unknown[]) : [p.default];
  for (const item of items) {
    const converted = convertScalar(p, item);
    if (!converted.ok)
      throw new ParameterProblem(['default'], `invalid default: ${converted.message}`);
  }
}

function parseParameters(locator: ServiceLocator, raw: Raw): Parameter[] {
  const parameters: Parameter[] = [];
  for (const [id, value] of Object.entries(raw)) {
    try {
      const p = parseParameter(id, value as Raw);
      checkDefault(p);
      parameters.push(p);
    } catch (error) {
      if (!(error instanceof ParameterProblem)) throw error;
      throw locator.error(['parameters', id, ...error.keyPath], error.message, error.atValue);
    }
  }
  const types = parameterTypes(parameters);
  for (const p of parameters) {
    const expression = (raw[p.id] as Raw).condition;
    if (typeof expression !== 'string') continue;
    try {
      p.condition = compileCondition(expression, types, p.id);
    } catch (error) {
      if (!(error instanceof ConditionError)) throw error;
      const keyPath = ['parameters', p.id, 'condition'];
      const reason = `invalid condition ${JSON.stringify(expression)}: ${error.message}${commentHint(locator, keyPath)}`;
      if (error.column === undefined) throw locator.error(keyPath, reason, true);
      throw locator.errorInValue(keyPath, reason, error.column - 1);
    }
  }
  return parameters;
}

export function parameterTypes(parameters: Parameter[]): Record<string, ParamTypeInfo> {
  const types: Record<string, ParamTypeInfo> = {};
  for (const p of parameters) types[p.id] = { kind: p.kind, array: p.array };
  return types;
}

function revisionOf(definition: Raw): string {
  return createHash('sha256').update(JSON.stringify(definition)).digest('hex').slice(0, 16);
}

/**
 * Builds a Service from a file's content (after `!include`s). Checks the schema, then what a
 * schema cannot say: types, bounds, defaults, conditions, templates, runner and selector names.
 */
export function serviceFromDefinition(
  id: string,
  definition: unknown,
  locator: ServiceLocator,
): Service {
  if (!definition || typeof definition !== 'object' || Array.isArray(definition)) {
    throw locator.error(
      [],
      'expected a mapping of service keys (slivka-version, name, parameters, …)',
    );
  }
  if (!validateShape(definition)) {
    const problem = schemaProblem(validateShape.errors ?? []);
    throw locator.error(problem.keyPath, problem.reason, problem.atValue);
  }
  const doc = definition as unknown as Raw;
  const execution = doc.execution as Raw;
  const warnings: ConfigError[] = [];
  const parameters = parseParameters(locator, doc.parameters as Raw);
  const args = parseArgs(locator, doc.args as Raw);
  const runners = parseRunners(locator, execution.runners as Raw, args, warnings);
  const runnerIds = new Set(runners.map((r) => r.id));
  warnings.push(...unusedWarnings(locator, parameters, args, runners));
  warnings.push(
    ...envReferenceWarnings(
      locator,
      doc.command as string | string[],
      args,
      (doc.env as Record<string, string> | undefined) ?? {},
      runners,
    ),
  );
  const selector = parseSelector(
    locator,
    execution.selector,
    runnerIds,
    parameterTypes(parameters),
    warnings,
  );
  const outputs = parseOutputs(doc.outputs as Raw);
  return {
    id,
    file: locator.file,
    revision: revisionOf(doc),
    definition: doc,
    warnings,
    includes: [],
    name: String(doc.name),
    description: (doc.description as string | undefined) ?? '',
    author: (doc.author as string | undefined) ?? '',
    version: (doc.version as string | undefined) ?? '',
    license: (doc.license as string | undefined) ?? '',
    classifiers: (doc.classifiers as string[] | undefined) ?? [],
    parameters,
    command: parseCommand(locator, doc.command as string | string[]),
    args,
    env: (doc.env as Record<string, string> | undefined) ?? {},
    outputs,
    runners,
    selector,
    scheduling: {
      timeoutSeconds: (execution.timeout as number | undefined) ?? null,
      retries: (execution.retries as number | undefined) ?? null,
      weight: (execution.weight as number | undefined) ?? 1,
    },
    cache: cachePolicy(doc.cache),
    tests: parseTests(locator, doc.tests, runnerIds, args, warnings),
    progress: progressOf(locator, doc.progress, outputs),
  };
}

function parseCommand(locator: ServiceLocator, command: string | string[]): string | string[] {
  if (typeof command === 'string') checkWords(locator, ['command'], command);
  return command;
}

/** Loads and checks one service file. Every error names the file, line, column and key path. */
export function loadService(file: string): Service {
  const match = SERVICE_FILE.exec(path.basename(file));
  if (!match) throw new ConfigError(file, '', 'expected a file name of the form <id>.service.yaml');
  const included = new Set<string>();
  const source = YamlSource.read(file, [includeTag(file, new Set(), included)]);
  const service = serviceFromDefinition(match[1], source.toJS(), yamlLocator(source));
  recordDefaultCommands(source, service);
  service.includes = [...included].sort();
  return service;
}

/** Rebuilds a Service recorded with a job, after its file may have changed or gone. */
export function restoreService(id: string, file: string, definition: unknown): Service {
  return serviceFromDefinition(id, definition, plainLocator(file));
}
