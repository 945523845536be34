import { isScalar, Scalar } from 'yaml';
import { PY_INT } from '../config/pyyaml-schema';
import type { YamlSource } from '../config/yaml-source';
import { pythonFloatString } from './form/python-float';
import type { Service } from './service';

/**
 * Python's `str()` of a number PyYAML constructed from `node`: an int for an untagged plain
 * scalar PyYAML resolves as int, a float otherwise. Undefined for anything but a number.
 */
function pythonNumberString(node: unknown): string | undefined {
  if (!isScalar(node) || typeof node.value !== 'number') return undefined;
  const source = typeof node.source === 'string' ? node.source : '';
  const pyInt = node.type === Scalar.PLAIN && !node.tag && PY_INT.test(source);
  return pyInt ? String(node.value) : pythonFloatString(node.value);
}

/**
 * slivka hands a parameter's default to the command as `str(default)` of the YAML value, without
 * converting it to the field's type first: `default: 10` on a decimal reaches the tool as `10`
 * although a submitted `10` becomes `10.0`. Records that form for numeric defaults of numeric
 * and text parameters, where it differs from how Damson would format the converted value.
 */
export function recordDefaultCommands(source: YamlSource, service: Service): void {
  for (const p of service.parameters) {
    if (p.default === null || !['decimal', 'integer', 'text'].includes(p.kind)) continue;
    const at = ['parameters', p.id, 'default'];
    const items = p.array ? (p.default as unknown[]) : [p.default];
    const forms = items.map((item, i) =>
      typeof item === 'number'
        ? pythonNumberString(source.nodeAt(p.array ? [...at, i] : at))
        : undefined,
    );
    if (forms.every((f) => f === undefined)) continue;
    const strings = forms.map((f, i) => f ?? String(items[i]));
    p.defaultCommand = p.array ? strings : strings[0];
  }
}
