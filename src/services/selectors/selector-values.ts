import type { ConditionValue } from '../condition/condition';
import { convertScalar } from '../form/convert-scalar';
import type { JobInputs } from '../../jobs';
import type { Parameter } from '../service';

function typed(p: Parameter, raw: string): ConditionValue {
  if (p.kind === 'file') return { kind: 'file' };
  const converted = convertScalar(p, raw);
  return converted.ok ? converted.value : null;
}

/**
 * The values a selector rule sees: each parameter typed as the form validated it, rebuilt from
 * the job's client-facing parameters (choice keys, numbers, flags; files are opaque).
 */
export function selectorValues(
  parameters: Parameter[],
  stored: JobInputs,
): Record<string, ConditionValue> {
  const values: Record<string, ConditionValue> = {};
  for (const p of parameters) {
    const raw = stored[p.id] ?? null;
    if (raw === null) values[p.id] = null;
    else if (Array.isArray(raw)) values[p.id] = raw.map((item) => typed(p, item));
    else values[p.id] = typed(p, raw);
  }
  return values;
}
