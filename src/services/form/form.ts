import type { FieldErrorCode } from '../../errors';
import type { ConditionValue } from '../condition/condition';
import type { FileContent } from '../media-types/file-content';
import { mediaTypeValidator } from '../media-types/media-type-validator';
import type { Parameter, Service } from '../service';
import { convertScalar, uncarriable, type ScalarValue } from './convert-scalar';
import type { FieldError } from './field-error';
import type { CleanValue, CleanValues, FileValue, Single, SubmittedFile } from './form-values';
import { optionLikeValue } from './option-like';

export type { CleanValue, CleanValues, FileValue, SubmittedFile } from './form-values';

/**
 * Maps, never plain objects: keys are chosen by the client, and a field named `__proto__` or
 * `toString` must be just another unknown field, not an inherited property.
 */
export interface Submission {
  /** Text values by field name, repeated keys in order. */
  fields: Map<string, string[]>;
  files: Map<string, SubmittedFile[]>;
}

export function emptySubmission(): Submission {
  return { fields: new Map(), files: new Map() };
}

export interface ResolvedFile {
  path: string;
  id: string;
}

/** Looks up an upload id or a `jobId/path` output id; null when there is no such file. */
export interface FileResolver {
  resolve(ref: string): Promise<ResolvedFile | null>;
}

export type FormResult =
  /** `defaulted`: the parameters whose value is their YAML default. */
  | { ok: true; values: CleanValues; defaulted?: ReadonlySet<string> }
  | { ok: false; errors: FieldError[] };

type Raw = string | SubmittedFile;
type FieldOutcome =
  { ok: true; value: CleanValue } | { ok: false; code: FieldErrorCode; message: string };

const isEmpty = (raw: Raw): boolean => typeof raw === 'string' && raw.length === 0;

function rawValues(p: Parameter, s: Submission): Raw[] {
  const texts = s.fields.get(p.id) ?? [];
  const files = s.files.get(p.id) ?? [];
  if (p.kind !== 'file') return p.array ? texts : texts.slice(0, 1);
  // slivka: a single file field prefers the uploaded part over a text id.
  if (!p.array) return files.length ? files.slice(0, 1) : texts.slice(0, 1);
  return [...files, ...texts];
}

async function convertFile(p: Parameter, raw: Raw, resolver: FileResolver): Promise<FieldOutcome> {
  let value: FileValue;
  let content: FileContent;
  if (typeof raw === 'string') {
    // Never a valid id, and a NUL would reach the file system calls below.
    if (uncarriable(raw) !== undefined) {
      return { ok: false, code: 'invalid_character', message: 'Invalid file id.' };
    }
    const found = await resolver.resolve(raw.trim());
    if (!found) return { ok: false, code: 'not_found', message: 'File not found.' };
    value = { kind: 'file', path: found.path, id: found.id, upload: null };
    content = found.path;
  } else {
    value = { kind: 'file', path: raw.tempPath, id: null, upload: raw };
    content = raw.content ?? raw.tempPath;
  }
  const check = p.mediaType ? mediaTypeValidator(p.mediaType) : undefined;
  if (check) {
    const result = await check(content);
    if (!result.ok) {
      return {
        ok: false,
        code: 'media_type',
        message: `The file is not a valid ${p.mediaType} type (${result.reason})`,
      };
    }
  }
  return { ok: true, value };
}

async function convertOne(p: Parameter, raw: Raw, resolver: FileResolver): Promise<FieldOutcome> {
  if (p.kind === 'file') return convertFile(p, raw, resolver);
  const converted = convertScalar(p, raw);
  return converted.ok ? { ok: true, value: converted.value } : converted;
}

async function validateField(p: Parameter, s: Submission, r: FileResolver): Promise<FieldOutcome> {
  const raws = rawValues(p, s).filter((raw) => !isEmpty(raw));
  const values: Single[] = [];
  for (const raw of raws) {
    const outcome = await convertOne(p, raw, r);
    if (!outcome.ok) return outcome;
    if (outcome.value !== null) values.push(outcome.value as Single);
  }
  const value: CleanValue = p.array ? (values.length ? values : null) : (values[0] ?? null);
  if (value === null && p.required && p.default === null) {
    return { ok: false, code: 'required', message: 'Field is required' };
  }
  return { ok: true, value };
}

/** The value of a YAML default in typed form; defaults were checked at load time. */
export function defaultValue(p: Parameter): CleanValue {
  if (p.default === null || p.default === undefined) return null;
  const convert = (raw: unknown): ScalarValue | null => {
    const c = convertScalar(p, raw);
    return c.ok ? c.value : null;
  };
  if (p.array) {
    const items = (p.default as unknown[]).map(convert).filter((v): v is ScalarValue => v !== null);
    return items.length ? items : null;
  }
  return convert(p.default);
}

export function conditionValue(value: CleanValue): ConditionValue {
  if (value === null) return null;
  if (Array.isArray(value)) return value.map((v) => conditionValue(v));
  if (typeof value === 'object') return { kind: 'file' };
  return value;
}

function conditionErrors(service: Service, values: CleanValues, provided: Set<string>) {
  const all: Record<string, ConditionValue> = Object.create(null) as Record<string, ConditionValue>;
  for (const p of service.parameters) all[p.id] = conditionValue(values[p.id] ?? null);
  const errors: FieldError[] = [];
  const disabled: string[] = [];
  for (const p of service.parameters) {
    if (!p.condition || values[p.id] === null) continue;
    if (p.condition.evaluate(all, all[p.id])) continue;
    if (provided.has(p.id)) {
      errors.push({
        parameter: p.id,
        errorCode: 'condition',
        message: 'Additional condition not met',
      });
    } else {
      disabled.push(p.id);
    }
  }
  return { errors, disabled };
}

/**
 * slivka's form algorithm: validate every field; then apply defaults and conditions in two
 * passes (a default whose condition fails is dropped, a user value whose condition fails is an error).
 */
export async function validateSubmission(
  service: Service,
  submission: Submission,
  resolver: FileResolver,
): Promise<FormResult> {
  const errors: FieldError[] = [];
  // Keyed by the service's parameter ids; prototype-free all the same.
  const values: CleanValues = Object.create(null) as CleanValues;
  const provided = new Set<string>();
  const defaulted = new Set<string>();
  for (const p of service.parameters) {
    const outcome = await validateField(p, submission, resolver);
    if (!outcome.ok) {
      errors.push({ parameter: p.id, errorCode: outcome.code, message: outcome.message });
      continue;
    }
    const optionLike = optionLikeValue(service, p, outcome.value);
    if (optionLike !== undefined) {
      errors.push({ parameter: p.id, errorCode: 'leading_dash', message: optionLike });
      continue;
    }
    if (outcome.value !== null) provided.add(p.id);
    values[p.id] = outcome.value ?? defaultValue(p);
    if (outcome.value === null && values[p.id] !== null) defaulted.add(p.id);
  }
  if (errors.length) return { ok: false, errors };
  const first = conditionErrors(service, values, provided);
  if (first.errors.length) return { ok: false, errors: first.errors };
  for (const id of first.disabled) values[id] = null;
  const second = conditionErrors(service, values, provided);
  if (second.errors.length) return { ok: false, errors: second.errors };
  // A default disabled in the second pass is dropped too; it never reaches the command.
  for (const id of second.disabled) values[id] = null;
  for (const id of [...first.disabled, ...second.disabled]) defaulted.delete(id);
  return { ok: true, values, defaulted };
}
