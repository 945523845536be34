import path from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import { YamlSource } from '../config/yaml-source';
import { ConfigError } from '../errors';
import { compileCondition, ConditionError, type ParamTypeInfo } from './condition/condition';
import { convertScalar } from './form/convert-scalar';
import { includeTag } from './include-tag';
import { parseParameter, ParameterProblem } from './parse-parameter';
import type {
  ArgTemplate,
  OutputSpec,
  Parameter,
  RunnerSpec,
  Service,
  ServiceTest,
} from './service';
import { serviceSchema } from './service-schema';

export const SERVICE_FILE = /^([a-zA-Z0-9_\-.]+)\.service\.ya?ml$/;

const ajv = new Ajv({ allErrors: false, strict: false });
const validateShape = ajv.compile(serviceSchema);

type Raw = Record<string, unknown>;

function schemaProblem(error: ErrorObject): { keyPath: string[]; reason: string } {
  const keyPath = error.instancePath
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return {
        keyPath: [...keyPath, String(params.additionalProperty)],
        reason: `unknown key '${params.additionalProperty}'`,
      };
    case 'required':
      return { keyPath, reason: `missing required key '${params.missingProperty}'` };
    case 'propertyNames':
      return {
        keyPath: [...keyPath, String(params.propertyName)],
        reason: `invalid name '${params.propertyName}'`,
      };
    default:
      return { keyPath, reason: error.message ?? 'invalid' };
  }
}

function checkDefault(p: Parameter): void {
  if (p.default === null) return;
  const items = p.array ? (p.default as unknown[]) : [p.default];
  for (const item of items) {
    const converted = convertScalar(p, item);
    if (!converted.ok)
      throw new ParameterProblem(['default'], `invalid default: ${converted.message}`);
  }
}

function parseParameters(source: YamlSource, raw: Raw): Parameter[] {
  const parameters: Parameter[] = [];
  for (const [id, value] of Object.entries(raw)) {
    try {
      const p = parseParameter(id, value as Raw);
      checkDefault(p);
      parameters.push(p);
    } catch (error) {
      if (error instanceof ParameterProblem) {
        throw source.error(['parameters', id, ...error.keyPath], error.message);
      }
      throw error;
    }
  }
  const types: Record<string, ParamTypeInfo> = {};
  for (const p of parameters) types[p.id] = { kind: p.kind, array: p.array };
  for (const p of parameters) {
    const expression = (raw[p.id] as Raw).condition;
    if (typeof expression !== 'string') continue;
    try {
      p.condition = compileCondition(expression, types, p.id);
    } catch (error) {
      if (error instanceof ConditionError) {
        throw source.error(
          ['parameters', p.id, 'condition'],
          `invalid condition: ${error.message}`,
        );
      }
      throw error;
    }
  }
  return parameters;
}

function parseArgs(raw: Raw): ArgTemplate[] {
  return Object.entries(raw).map(([id, value]) => {
    const a = value as Raw;
    return {
      id,
      template: String(a.arg),
      symlink: (a.symlink as string | undefined) ?? null,
      join: (a.join as string | undefined) ?? null,
      default: (a.default as string | undefined) ?? null,
    };
  });
}

function parseOutputs(raw: Raw): OutputSpec[] {
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

function parseRunners(raw: Raw): RunnerSpec[] {
  return Object.entries(raw).map(([id, value]) => {
    const r = value as Raw;
    return {
      id,
      type: String(r.type),
      parameters: (r.parameters as Raw | undefined) ?? {},
      consts: (r.consts as Record<string, string> | undefined) ?? {},
      env: (r.env as Record<string, string> | undefined) ?? {},
      selectorOptions: (r['selector-options'] as Raw | undefined) ?? {},
    };
  });
}

function parseTests(raw: unknown): ServiceTest[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((t: Raw) => ({
    applicableRunners: (t['applicable-runners'] as string[]) ?? [],
    parameters: (t.parameters as Record<string, string | string[]>) ?? {},
    timeoutSeconds: (t.timeout as number | undefined) ?? 900,
    intervalSeconds: (t.interval as number | undefined) ?? 3600,
  }));
}

/** Loads and checks one service file. Every error names the file, the line and the key. */
export function loadService(file: string): Service {
  const match = SERVICE_FILE.exec(path.basename(file));
  if (!match) throw new ConfigError(file, '', 'a service file is named <id>.service.yaml');
  const source = YamlSource.read(file, [includeTag(file)]);
  const raw = source.toJS();
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw source.error([], 'a service file must be a mapping');
  }
  if (!validateShape(raw)) {
    const { keyPath, reason } = schemaProblem(validateShape.errors![0]);
    throw source.error(keyPath, reason);
  }
  const doc = raw as unknown as Raw;
  const execution = doc.execution as Raw;
  const parameters = parseParameters(source, doc.parameters as Raw);
  return {
    id: match[1],
    file,
    name: String(doc.name),
    description: (doc.description as string | undefined) ?? '',
    author: (doc.author as string | undefined) ?? '',
    version: (doc.version as string | undefined) ?? '',
    license: (doc.license as string | undefined) ?? '',
    classifiers: (doc.classifiers as string[] | undefined) ?? [],
    parameters,
    command: doc.command as string | string[],
    args: parseArgs(doc.args as Raw),
    env: (doc.env as Record<string, string> | undefined) ?? {},
    outputs: parseOutputs(doc.outputs as Raw),
    runners: parseRunners(execution.runners as Raw),
    selector: (execution.selector as string | undefined) ?? null,
    tests: parseTests(doc.tests),
  };
}
