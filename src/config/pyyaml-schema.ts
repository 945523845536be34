import type { ScalarTag, Tags } from 'yaml';

/*
 * slivka reads service files and settings with PyYAML's SafeLoader: YAML 1.1 with PyYAML's own
 * implicit resolvers, which differ from the `yaml` package's 1.1 schema in the corners (`y`/`n` are
 * strings, `1e5` is a string because an exponent needs a dot and a sign, `0o17` is a string, `09`
 * is a string, `=` cannot be constructed). These are PyYAML's resolvers, so that a file means here
 * what it means to slivka.
 */

export const PY_BOOL =
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const PY_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
export const PY_INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
export const PY_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

function splitSign(text: string): { sign: number; digits: string } {
  const sign = text.startsWith('-') ? -1 : 1;
  return { sign, digits: /^[-+]/.test(text) ? text.slice(1) : text };
}

function sexagesimal(digits: string): number {
  return digits.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

/** PyYAML's construct_yaml_int; NaN where PyYAML raises (`0x_`, `0b_`). */
export function pyInt(source: string): number {
  const { sign, digits } = splitSign(source.replace(/_/g, ''));
  let value: number;
  if (digits === '0') value = 0;
  else if (digits.startsWith('0b')) value = digits.length > 2 ? parseInt(digits.slice(2), 2) : NaN;
  else if (digits.startsWith('0x')) value = digits.length > 2 ? parseInt(digits.slice(2), 16) : NaN;
  else if (digits.startsWith('0')) value = parseInt(digits, 8);
  else if (digits.includes(':')) value = sexagesimal(digits);
  else value = Number(digits);
  return sign * value;
}

/** PyYAML's construct_yaml_float. */
export function pyFloat(source: string): number {
  const { sign, digits } = splitSign(source.replace(/_/g, '').toLowerCase());
  if (digits === '.inf') return sign * Infinity;
  if (digits === '.nan') return NaN;
  if (digits.includes(':')) return sign * sexagesimal(digits);
  return sign * Number(digits.endsWith('.') ? digits.slice(0, -1) : digits);
}

const boolTag: ScalarTag = {
  identify: (value) => typeof value === 'boolean',
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: PY_BOOL,
  resolve: (source) => PY_TRUE.test(source),
};

const intTag: ScalarTag = {
  identify: (value) => typeof value === 'number' && Number.isInteger(value),
  default: true,
  tag: 'tag:yaml.org,2002:int',
  test: PY_INT,
  resolve(source, onError) {
    const value = pyInt(source);
    if (Number.isNaN(value)) onError(`invalid integer ${JSON.stringify(source)}`);
    return value;
  },
};

const floatTag: ScalarTag = {
  identify: (value) => typeof value === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:float',
  test: PY_FLOAT,
  resolve: (source) => pyFloat(source),
};

/** PyYAML resolves a plain `=` to the `value` tag, which SafeLoader cannot construct. */
const valueTag: ScalarTag = {
  identify: () => false,
  default: true,
  tag: 'tag:yaml.org,2002:value',
  test: /^=$/,
  resolve(_source, onError) {
    onError(
      "could not determine a constructor for the tag 'tag:yaml.org,2002:value' (quote the =)",
    );
    return null;
  },
};

/** PyYAML's date needs two-digit month and day (`2024-1-1` is a string to PyYAML). */
const PY_TIMESTAMP =
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/;

const TIMESTAMP = 'tag:yaml.org,2002:timestamp';

const REPLACED = new Set([
  'tag:yaml.org,2002:bool',
  'tag:yaml.org,2002:int',
  'tag:yaml.org,2002:float',
]);

/** The `yaml` package's 1.1 tags with PyYAML's scalar resolvers, plus `extra` (e.g. `!include`). */
export function pyyamlTags(extra: Tags = []): (tags: Tags) => Tags {
  return (tags) => {
    const kept: Tags = [];
    for (const t of tags) {
      // The schema's tags are objects; names only appear in user-given lists.
      if (typeof t === 'string' || REPLACED.has(t.tag)) continue;
      kept.push(t.tag === TIMESTAMP && !t.collection ? { ...t, test: PY_TIMESTAMP } : t);
    }
    return [...kept, boolTag, intTag, floatTag, valueTag, ...extra];
  };
}

/** Options for `parseDocument`/`parse` that read YAML as PyYAML's SafeLoader does. */
export function pyyamlOptions(extra: Tags = []): {
  version: '1.1';
  schema: 'yaml-1.1';
  customTags: (tags: Tags) => Tags;
} {
  return { version: '1.1', schema: 'yaml-1.1', customTags: pyyamlTags(extra) };
}
