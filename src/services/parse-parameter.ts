import type { ParamKind } from './condition/condition';
import type { Parameter } from './service';

const TYPE_ALIASES: Record<string, ParamKind> = {
  integer: 'integer',
  int: 'integer',
  decimal: 'decimal',
  float: 'decimal',
  text: 'text',
  string: 'text',
  flag: 'flag',
  boolean: 'flag',
  choice: 'choice',
  file: 'file',
};

const COMMON_KEYS = ['name', 'description', 'type', 'default', 'required', 'condition'];
const TYPE_KEYS: Record<ParamKind, string[]> = {
  integer: ['min', 'max'],
  decimal: ['min', 'max', 'min-exclusive', 'max-exclusive'],
  text: ['min-length', 'max-length'],
  flag: [],
  choice: ['choices'],
  file: ['media-type', 'media-type-parameters', 'extensions'],
};

/** A problem found in one parameter: the key path below the parameter, and why. */
export class ParameterProblem extends Error {
  constructor(
    readonly keyPath: string[],
    message: string,
  ) {
    super(message);
  }
}

type Raw = Record<string, unknown>;

function numberKey(raw: Raw, key: string): number | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ParameterProblem([key], `'${key}' must be a finite number`);
  }
  return value;
}

function lengthKey(raw: Raw, key: string): number | undefined {
  const value = numberKey(raw, key);
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw new ParameterProblem([key], `'${key}' must be a non-negative integer`);
  }
  return value;
}

function boolKey(raw: Raw, key: string): boolean {
  const value = raw[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean')
    throw new ParameterProblem([key], `'${key}' must be true or false`);
  return value;
}

function parseChoices(raw: Raw): Record<string, string | null> {
  const choices = raw.choices;
  if (!choices || typeof choices !== 'object' || Array.isArray(choices)) {
    throw new ParameterProblem(
      ['choices'],
      "a choice parameter needs 'choices': a map of key to value",
    );
  }
  const out: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(choices)) {
    if (value !== null && typeof value === 'object') {
      throw new ParameterProblem(
        ['choices', key],
        'a choice value must be a string, number or null',
      );
    }
    out[key] = value === null ? null : String(value);
  }
  return out;
}

/** Builds a Parameter from its YAML mapping; the condition is compiled later, once all types are known. */
export function parseParameter(id: string, raw: Raw): Parameter {
  const typeName = String(raw.type);
  const array = typeName.endsWith('[]');
  const kind = TYPE_ALIASES[array ? typeName.slice(0, -2) : typeName];
  if (!kind) {
    throw new ParameterProblem(
      ['type'],
      `unknown parameter type '${typeName}'; use one of ${Object.keys(TYPE_ALIASES).join(', ')} (with [] for arrays)`,
    );
  }
  const allowed = new Set([...COMMON_KEYS, ...TYPE_KEYS[kind]]);
  for (const key of Object.keys(raw)) {
    if (!allowed.has(key)) {
      throw new ParameterProblem(
        [key],
        `'${key}' is not a key of a ${kind} parameter; allowed: ${[...allowed].join(', ')}`,
      );
    }
  }
  if (kind === 'file' && raw.default !== undefined && raw.default !== null) {
    throw new ParameterProblem(['default'], 'a file parameter cannot have a default');
  }
  const requiredRaw = raw.required ?? true;
  const required = requiredRaw === true || requiredRaw === 'yes';
  const parameter: Parameter = {
    id,
    name: String(raw.name),
    description: typeof raw.description === 'string' ? raw.description : '',
    kind,
    array,
    required,
    default: raw.default ?? null,
    condition: null,
    minExclusive: boolKey(raw, 'min-exclusive'),
    maxExclusive: boolKey(raw, 'max-exclusive'),
  };
  if (kind === 'integer' || kind === 'decimal') {
    parameter.min = numberKey(raw, 'min');
    parameter.max = numberKey(raw, 'max');
  }
  if (kind === 'text') {
    parameter.minLength = lengthKey(raw, 'min-length');
    parameter.maxLength = lengthKey(raw, 'max-length');
  }
  if (kind === 'choice') parameter.choices = parseChoices(raw);
  if (kind === 'file') {
    if (raw['media-type'] !== undefined) parameter.mediaType = String(raw['media-type']);
    const mtp = raw['media-type-parameters'];
    if (mtp && typeof mtp === 'object' && !Array.isArray(mtp)) {
      parameter.mediaTypeParameters = mtp as Record<string, unknown>;
    }
    if (Array.isArray(raw.extensions)) parameter.extensions = raw.extensions.map(String);
  }
  if (parameter.default !== null && array && !Array.isArray(parameter.default)) {
    throw new ParameterProblem(['default'], 'the default of an array parameter must be a list');
  }
  return parameter;
}
