import type { Parameter } from '../service';
import { invalid, type Converted } from './field-error';

export type ScalarValue = number | string | true;

// Python's int() and float(), as slivka calls them: digits may be grouped with single underscores.
const DIGITS = '\\d+(?:_\\d+)*';
const INTEGER = new RegExp(`^\\s*[+-]?${DIGITS}\\s*$`);
const DECIMAL = new RegExp(
  `^\\s*[+-]?(${DIGITS}\\.?(?:${DIGITS})?|\\.${DIGITS})([eE][+-]?${DIGITS})?\\s*$`,
);
const FLAG_FALSE = new Set(['no', 'false', '0', 'n', 'f', 'none', 'null', 'off']);

function bounds(p: Parameter, value: number): Converted<number> {
  if (p.min !== undefined && (p.minExclusive ? value <= p.min : value < p.min)) {
    return invalid(
      p.minExclusive
        ? `Value must be greater than ${p.min}`
        : `Value must be greater than or equal to ${p.min}`,
      'min_value',
    );
  }
  if (p.max !== undefined && (p.maxExclusive ? value >= p.max : value > p.max)) {
    return invalid(
      p.maxExclusive
        ? `Value must be less than ${p.max}`
        : `Value must be less than or equal to ${p.max}`,
      'max_value',
    );
  }
  return { ok: true, value };
}

function toInteger(p: Parameter, raw: unknown): Converted<number> {
  if (typeof raw === 'number' && Number.isInteger(raw)) return bounds(p, raw);
  if (typeof raw !== 'string' || !INTEGER.test(raw)) return invalid('Invalid integer value');
  const value = Number(raw.replace(/_/g, ''));
  return Number.isSafeInteger(value) ? bounds(p, value) : invalid('Invalid integer value');
}

/** Unlike slivka, "nan" and "inf" are refused: they pass every bound and no tool wants them. */
function toDecimal(p: Parameter, raw: unknown): Converted<number> {
  if (typeof raw === 'number' && Number.isFinite(raw)) return bounds(p, raw);
  if (typeof raw !== 'string' || !DECIMAL.test(raw)) return invalid('Invalid decimal number');
  const value = Number(raw.replace(/_/g, ''));
  return Number.isFinite(value) ? bounds(p, value) : invalid('Invalid decimal number');
}

const compiled = new Map<string, RegExp>();

/** The pattern must match the whole value, as an HTML form's `pattern` attribute does. */
function fullMatch(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`, 'u');
    compiled.set(pattern, re);
  }
  return re;
}

/**
 * A command-line argument is a NUL-terminated byte string, so NUL can never reach a tool (spawn
 * refuses it); the other C0 controls (escape sequences, backspace...) are refused as well because
 * no form field means them, except tab, LF and CR which a text area legitimately holds. A lone
 * UTF-16 surrogate has no UTF-8 form: the tool would silently get U+FFFD instead.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_CARRIED = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]|\p{Surrogate}/u;

/** Why a command line cannot carry `value` as given, or undefined when it can. */
export function uncarriable(value: string): string | undefined {
  const match = NOT_CARRIED.exec(value);
  if (match === null) return undefined;
  const unit = match[0].charCodeAt(0);
  const code = unit.toString(16).toUpperCase().padStart(4, '0');
  const what = unit < 0x20 ? 'a control character' : 'an unpaired surrogate';
  return `Value contains ${what} (U+${code}) at position ${match.index + 1}, which a command line cannot carry`;
}

function toText(p: Parameter, raw: unknown): Converted<string> {
  if (typeof raw === 'object' || typeof raw === 'boolean') return invalid('Invalid text value');
  const value = String(raw);
  const notCarried = uncarriable(value);
  if (notCarried !== undefined) return invalid(notCarried, 'invalid_character');
  const length = [...value].length;
  if (p.minLength !== undefined && length < p.minLength) {
    return invalid(`Value is too short. Min ${p.minLength} characters`, 'min_length');
  }
  if (p.maxLength !== undefined && length > p.maxLength) {
    return invalid(`Value is too long. Max ${p.maxLength} characters`, 'max_length');
  }
  if (p.pattern !== undefined && !fullMatch(p.pattern).test(value)) {
    return invalid(`Value does not match the pattern ${p.pattern}`, 'pattern');
  }
  return { ok: true, value };
}

function toChoice(p: Parameter, raw: unknown): Converted<string> {
  const key = String(raw);
  if (p.choices && Object.prototype.hasOwnProperty.call(p.choices, key))
    return { ok: true, value: key };
  return invalid(`Value "${key}" is not one of the available choices.`);
}

/**
 * Converts one non-empty raw value (a form string, or a YAML default) to its typed value.
 * A flag's false-set converts to null ("not set").
 */
export function convertScalar(p: Parameter, raw: unknown): Converted<ScalarValue | null> {
  switch (p.kind) {
    case 'integer':
      return toInteger(p, raw);
    case 'decimal':
      return toDecimal(p, raw);
    case 'text':
      return toText(p, raw);
    case 'choice':
      return toChoice(p, raw);
    case 'flag':
      if (typeof raw === 'boolean') return { ok: true, value: raw ? true : null };
      return { ok: true, value: FLAG_FALSE.has(String(raw).toLowerCase()) ? null : true };
    case 'file':
      return invalid('A file cannot be given as a plain value');
  }
}
