import type { ErrorObject } from 'ajv';

/** One schema violation as the administrator should read it. */
export interface SchemaProblem {
  keyPath: string[];
  reason: string;
  /** Point at the value (a wrong value) rather than at the key (a wrong or missing key). */
  atValue: boolean;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

function expectedOf(error: ErrorObject): string | undefined {
  const schema = error.parentSchema as { expected?: unknown } | undefined;
  return typeof schema?.expected === 'string' ? schema.expected : undefined;
}

const decode = (segment: string): string => segment.replace(/~1/g, '/').replace(/~0/g, '~');

/**
 * Ajv reports the branches of an `anyOf` before the `anyOf` itself; the `anyOf` names what was
 * expected as a whole, so it wins over the first branch's narrower complaint.
 */
function primaryError(errors: ErrorObject[]): ErrorObject {
  const first = errors[0];
  const within = (e: ErrorObject): boolean =>
    first.instancePath === e.instancePath || first.instancePath.startsWith(`${e.instancePath}/`);
  return (
    errors.find((e) => e.keyword === 'propertyNames' && within(e)) ??
    errors.find((e) => e.keyword === 'anyOf' && within(e)) ??
    first
  );
}

/** Turns Ajv's first error into a key path and a sentence saying what was expected. */
export function schemaProblem(errors: ErrorObject[]): SchemaProblem {
  const error = primaryError(errors);
  const keyPath = error.instancePath.split('/').slice(1).map(decode);
  const params = error.params as Record<string, unknown>;
  const expected = expectedOf(error);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys(
        (error.parentSchema as { properties?: object } | undefined)?.properties ?? {},
      );
      return {
        keyPath: [...keyPath, key],
        reason: `unknown key '${key}'; expected one of: ${allowed.join(', ')}`,
        atValue: false,
      };
    }
    case 'required':
      return {
        keyPath,
        reason: `missing required key '${String(params.missingProperty)}'`,
        atValue: false,
      };
    case 'propertyNames':
      return {
        keyPath: [...keyPath, String(params.propertyName)],
        reason: `invalid name '${String(params.propertyName)}'; expected ${propertyNameRule(error)}`,
        atValue: false,
      };
    case 'pattern':
      // A pattern on a property name is reported again under propertyNames; keep the value case.
      return {
        keyPath,
        reason: `expected ${expected ?? `a value matching ${String(params.pattern)}`}, got ${describeValue(error.data)}`,
        atValue: true,
      };
    case 'minProperties':
      return {
        keyPath,
        reason: `expected ${expected ?? 'a non-empty mapping'}, got an empty mapping`,
        atValue: true,
      };
    default:
      return {
        keyPath,
        reason: `expected ${expected ?? error.message ?? 'something else'}, got ${describeValue(error.data)}`,
        atValue: true,
      };
  }
}

function propertyNameRule(error: ErrorObject): string {
  const names = (error.parentSchema as { propertyNames?: { expected?: string; pattern?: string } })
    ?.propertyNames;
  return names?.expected ?? `a name matching ${names?.pattern ?? 'the pattern'}`;
}
