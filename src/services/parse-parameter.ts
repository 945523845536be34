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
  text: ['min-length', 'max-length', 'pattern', 'allow-leading-dash'],
  flag: [],
  choice: ['choices'],
  file: ['media-type', 'media-type-parameters', 'extensions'],
};

/** A problem found in one parameter: the key path below the parameter, and why. */
export class ParameterProblem extends Error {
  constructor(
    readonly keyPath: string[],
    message: string,
    /** False when the key itself is wrong, so the error points at the key. */
    readonly atValue = true,
  ) {
    super(message);
  }
}

type Raw = Record<string, unknown>;

function numberKey(raw: Raw, key: string): number | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ParameterProblem(
      [key],
      `expected a finite number for '${key}', got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function lengthKey(raw: Raw, key: string): number | undefined {
  const value = numberKey(raw, key);
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw new ParameterProblem(
      [key],
      `expected a non-negative whole number for '${key}', got ${value}`,
    );
  }
  return value;
}

function patternKey(value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new ParameterProblem(['pattern'], "expected a regular expression for 'pattern'");
  }
  try {
    new RegExp(value, 'u');
  } catch (error) {
    throw new ParameterProblem(
      ['pattern'],
      `invalid regular expression: ${(error as Error).message}`,
    );
  }
  return value;
}

function boolKey(raw: Raw, key: string): boolean {
  const value = raw[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean')
    throw new ParameterProblem(
      [key],
      `expected true or false for '${key}', got ${JSON.stringify(value)}`,
    );
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
  if (Object.keys(choices).length === 0) {
    throw new ParameterProblem(['choices'], "expected at least one choice in 'choices'");
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
  const baseName = array ? typeName.slice(0, -2) : typeName;
  const kind = Object.hasOwn(TYPE_ALIASES, baseName) ? TYPE_ALIASES[baseName] : undefined;
  if (!kind) {
    const custom = baseName.includes('.')
      ? ` (custom Python field classes such as '${baseName}' cannot run in Damson)`
      : '';
    throw new ParameterProblem(
      ['type'],
      `unknown parameter type '${typeName}'${custom}; expected one of ${Object.keys(TYPE_ALIASES).join(', ')} (with [] for arrays)`,
    );
  }
  const allowed = new Set([...COMMON_KEYS, ...TYPE_KEYS[kind]]);
  for (const key of Object.keys(raw)) {
    if (!allowed.has(key)) {
      throw new ParameterProblem(
        [key],
        `unknown key '${key}' for ${kind === 'integer' ? 'an' : 'a'} ${kind} parameter; expected one of: ${[...allowed].join(', ')}`,
        false,
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
    if (raw.pattern !== undefined) parameter.pattern = patternKey(raw.pattern);
    parameter.allowLeadingDash = boolKey(raw, 'allow-leading-dash');
  }
  if (parameter.min !== undefined && parameter.max !== undefined && parameter.min > parameter.max) {
    throw new ParameterProblem(
      ['max'],
      `'max' (${parameter.max}) is below 'min' (${parameter.min})`,
    );
  }
  if (
    parameter.minLength !== undefined &&
    parameter.maxLength !== undefined &&
    parameter.minLength > parameter.maxLength
  ) {
    throw new ParameterProblem(
      ['max-length'],
      `'max-length' (${parameter.maxLength}) is below 'min-length' (${parameter.minLength})`,
    );
  }
  if (kind === 'choice') parameter.choices = parseChoices(raw);
  if (kind === 'file') {
    if (raw['media-type'] !== undefined) parameter.mediaType = String(raw['media-type']);
    const mtp = raw['media-type-parameters'];
    if (mtp && typeof mtp === 'object' && !Array.isArray(mtp)) {
      parameter.mediaTypeParameters = mtp as Record<string, unknown>;
    }
    if (mtp !== undefined && (mtp === null || typeof mtp !== 'object' || Array.isArray(mtp))) {
      throw new ParameterProblem(
        ['media-type-parameters'],
        "expected a mapping for 'media-type-parameters'",
      );
    }
    if (raw['media-type'] !== undefined && typeof raw['media-type'] !== 'string') {
      throw new ParameterProblem(['media-type'], "expected a media type such as 'text/plain'");
    }
    if (raw.extensions !== undefined && !Array.isArray(raw.extensions)) {
      throw new ParameterProblem(
        ['extensions'],
        "expected a list of file extensions for 'extensions'",
      );
    }
    if (Array.isArray(raw.extensions)) parameter.extensions = raw.extensions.map(String);
  }
  if (parameter.default !== null && array && !Array.isArray(parameter.default)) {
    throw new ParameterProblem(['default'], 'the default of an array parameter must be a list');
  }
  return parameter;
}
