/*
 * The form's rules, without the DOM: the same conversions and condition language as the server
 * (the server's own modules, bundled), and slivka's form algorithm, so the browser shows the
 * errors the server would give before anything is sent. Only what needs the files' bytes (media
 * types) or the store (file ids) is left to the server.
 */
import {
  compileCondition,
  type CompiledCondition,
  type ConditionValue,
  type ParamKind,
  type ParamTypeInfo,
} from '../../src/services/condition/condition';
import { convertScalar, type ScalarValue } from '../../src/services/form/convert-scalar';
import type { Parameter } from '../../src/services/service';
import type { FieldError, ParameterResource } from './api';

/** One value as the user gave it: typed text, a chosen file, or the id of an existing file. */
export type RawItem =
  { kind: 'text'; text: string } | { kind: 'upload'; name: string } | { kind: 'ref'; id: string };

export type RawValues = Record<string, RawItem[]>;

const KINDS: readonly ParamKind[] = ['integer', 'decimal', 'text', 'flag', 'choice', 'file'];

export interface FormField {
  resource: ParameterResource;
  parameter: Parameter;
  /** Depends on the field's own value: checked on submit rather than disabling the field. */
  selfReferencing: boolean;
}

export interface FormState {
  /** Fields whose condition is false: not sent, so the server treats them as not given. */
  disabled: Set<string>;
  errors: FieldError[];
}

type Single = ScalarValue | { kind: 'file' };
type Value = Single | Single[] | null;

function toParameter(r: ParameterResource): Omit<Parameter, 'condition'> {
  const kind = (KINDS as readonly string[]).includes(r.type) ? (r.type as ParamKind) : 'text';
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    kind,
    array: r.array,
    required: r.required,
    default: r.default,
    min: r.min,
    max: r.max,
    minExclusive: r.minExclusive ?? false,
    maxExclusive: r.maxExclusive ?? false,
    minLength: r.minLength,
    maxLength: r.maxLength,
    pattern: r.pattern,
    // Only the keys are public, and only the keys are checked.
    choices: r.choices ? Object.fromEntries(r.choices.map((k) => [k, k])) : undefined,
    mediaType: r.mediaType,
    extensions: r.extensions,
  };
}

export class FormModel {
  readonly fields: FormField[];

  constructor(resources: ParameterResource[]) {
    const params = resources.map(toParameter);
    const types: Record<string, ParamTypeInfo> = {};
    for (const p of params) types[p.id] = { kind: p.kind, array: p.array };
    this.fields = resources.map((resource, i) => {
      const condition = compile(resource.condition, types, resource.id);
      const parameter: Parameter = { ...params[i], condition };
      const selfReferencing =
        condition !== null &&
        condition.identifiers.some((name) => name === 'self' || name === resource.id);
      return { resource, parameter, selfReferencing };
    });
  }

  field(id: string): FormField | undefined {
    return this.fields.find((f) => f.parameter.id === id);
  }

  /** Which fields are switched off by their conditions, and every error the server would report. */
  evaluate(raw: RawValues): FormState {
    const converted = new Map<string, Value>();
    const errors: FieldError[] = [];
    for (const { parameter: p } of this.fields) {
      const outcome = convertField(p, raw[p.id] ?? []);
      if ('error' in outcome) errors.push({ parameter: p.id, ...outcome.error });
      converted.set(p.id, 'error' in outcome ? null : outcome.value);
    }
    const disabled = this.disabledFields(converted);
    const fieldErrors = errors.filter((e) => !disabled.has(e.parameter));
    for (const { parameter: p } of this.fields) {
      if (disabled.has(p.id) || fieldErrors.some((e) => e.parameter === p.id)) continue;
      if (converted.get(p.id) === null && p.required && p.default === null) {
        fieldErrors.push({ parameter: p.id, errorCode: 'required', message: 'Field is required' });
      }
    }
    const order = (e: FieldError) => this.fields.findIndex((f) => f.parameter.id === e.parameter);
    fieldErrors.sort((a, b) => order(a) - order(b));
    if (fieldErrors.length) return { disabled, errors: fieldErrors };
    return { disabled, errors: this.conditionErrors(converted, disabled) };
  }

  /**
   * A condition that does not look at the field's own value decides whether the field applies at
   * all, so the field is disabled while it is false (to a fixed point, since a disabled field
   * counts as unset for the others). A field the server would require anyway is never disabled.
   */
  private disabledFields(converted: Map<string, Value>): Set<string> {
    let disabled = new Set<string>();
    for (let round = 0; round <= this.fields.length; round++) {
      const values = this.conditionValues(converted, disabled);
      const next = new Set<string>();
      for (const { parameter: p, selfReferencing } of this.fields) {
        if (!p.condition || selfReferencing) continue;
        if (p.required && p.default === null) continue;
        if (!p.condition.evaluate(values, values[p.id])) next.add(p.id);
      }
      if (sameSet(next, disabled)) break;
      disabled = next;
    }
    return disabled;
  }

  /** The server's two condition passes, over what the browser will actually send. */
  private conditionErrors(converted: Map<string, Value>, disabled: Set<string>): FieldError[] {
    const dropped = new Set(disabled);
    for (let pass = 0; pass < 2; pass++) {
      const values = this.conditionValues(converted, dropped);
      const errors: FieldError[] = [];
      const failedDefaults: string[] = [];
      for (const { parameter: p } of this.fields) {
        if (!p.condition || values[p.id] === null) continue;
        if (p.condition.evaluate(values, values[p.id])) continue;
        if (converted.get(p.id) !== null && !dropped.has(p.id)) {
          errors.push({
            parameter: p.id,
            errorCode: 'condition',
            message: 'Additional condition not met',
          });
        } else {
          failedDefaults.push(p.id);
        }
      }
      if (errors.length) return errors;
      for (const id of failedDefaults) dropped.add(id);
    }
    return [];
  }

  private conditionValues(
    converted: Map<string, Value>,
    disabled: Set<string>,
  ): Record<string, ConditionValue> {
    const values: Record<string, ConditionValue> = {};
    for (const { parameter: p } of this.fields) {
      values[p.id] = disabled.has(p.id)
        ? null
        : conditionValue(converted.get(p.id) ?? defaultValue(p));
    }
    return values;
  }
}

function compile(
  source: string | undefined,
  types: Record<string, ParamTypeInfo>,
  selfId: string,
): CompiledCondition | null {
  if (!source) return null;
  try {
    return compileCondition(source, types, selfId);
  } catch {
    // The server checked it when the service loaded; if this copy disagrees, let the server judge.
    return null;
  }
}

function convertField(
  p: Parameter,
  items: RawItem[],
): { value: Value } | { error: Omit<FieldError, 'parameter'> } {
  const given = items.filter((item) => item.kind !== 'text' || item.text.length > 0);
  const raws = p.array ? given : given.slice(0, 1);
  const values: Single[] = [];
  for (const item of raws) {
    if (p.kind === 'file') {
      if (item.kind === 'text') return { error: { errorCode: 'invalid', message: 'Not a file' } };
      values.push({ kind: 'file' });
      continue;
    }
    const c = convertScalar(p, item.kind === 'text' ? item.text : '');
    if (!c.ok) return { error: { errorCode: c.code, message: c.message } };
    if (c.value !== null) values.push(c.value);
  }
  return { value: p.array ? (values.length ? values : null) : (values[0] ?? null) };
}

export function defaultValue(p: Parameter): Value {
  if (p.default === null || p.default === undefined) return null;
  const convert = (raw: unknown): ScalarValue | null => {
    const c = convertScalar(p, raw);
    return c.ok ? c.value : null;
  };
  if (p.array) {
    const list = Array.isArray(p.default) ? p.default : [p.default];
    const items = list.map(convert).filter((v): v is ScalarValue => v !== null);
    return items.length ? items : null;
  }
  return convert(p.default);
}

function conditionValue(value: Value): ConditionValue {
  if (value === null) return null;
  if (Array.isArray(value)) return value.map((v) => conditionValue(v));
  return value;
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/** Short human text for the constraints of a parameter, shown under its label. */
export function constraintText(r: ParameterResource): string[] {
  const notes: string[] = [];
  const lower =
    r.min !== undefined ? `${r.minExclusive ? 'greater than' : 'at least'} ${r.min}` : '';
  const upper = r.max !== undefined ? `${r.maxExclusive ? 'less than' : 'at most'} ${r.max}` : '';
  if (r.type === 'integer' || r.type === 'decimal') {
    const kind = r.type === 'integer' ? 'A whole number' : 'A number';
    const range = [lower, upper].filter(Boolean).join(' and ');
    notes.push(range ? `${kind}, ${range}.` : `${kind}.`);
  }
  if (r.type === 'text' && (r.minLength !== undefined || r.maxLength !== undefined)) {
    if (r.minLength !== undefined && r.maxLength !== undefined)
      notes.push(`${r.minLength} to ${r.maxLength} characters.`);
    else if (r.maxLength !== undefined) notes.push(`At most ${r.maxLength} characters.`);
    else notes.push(`At least ${r.minLength} characters.`);
  }
  if (r.type === 'text' && r.pattern !== undefined)
    notes.push(`Must match the pattern ${r.pattern}`);
  if (r.type === 'file') {
    if (r.mediaType) notes.push(`Type: ${r.mediaType}.`);
    if (r.extensions?.length) notes.push(`Usual extensions: ${r.extensions.join(', ')}.`);
  }
  if (r.array) notes.push('Several values may be given.');
  if (r.default !== null && r.default !== undefined) {
    const shown = Array.isArray(r.default) ? r.default.join(', ') : String(r.default);
    if (r.type === 'flag')
      notes.push(r.default ? 'Always on (its default is on).' : 'Default: off.');
    else notes.push(`Default: ${shown}.`);
  }
  if (r.condition) notes.push(`Applies when: ${r.condition}`);
  return notes;
}
