import type { InputValue, JobInputs } from '../../jobs';
import type { Parameter, Service } from '../service';
import type { CleanValue, CleanValues } from './form-values';
import { pythonFloatString } from './python-float';

type Single = Exclude<CleanValue, null | unknown[]>;

function commandForm(p: Parameter, value: Single): string | null {
  if (typeof value === 'object') return value.path;
  if (p.kind === 'choice') return p.choices?.[String(value)] ?? null;
  if (p.kind === 'decimal') return pythonFloatString(value as number);
  if (p.kind === 'flag') return value === true ? 'true' : null;
  return String(value);
}

function clientForm(p: Parameter, value: Single): string | null {
  if (typeof value === 'object') return value.id;
  if (p.kind === 'choice') return String(value);
  return commandForm(p, value);
}

function mapValue(p: Parameter, value: CleanValue, f: typeof commandForm): InputValue {
  if (value === null) return null;
  if (Array.isArray(value)) {
    const items = value.map((v) => f(p, v as Single)).filter((v): v is string => v !== null);
    return items.length ? items : null;
  }
  return f(p, value as Single);
}

/**
 * The two stored forms of a validated submission: `inputs` for building the command (choice values,
 * absolute paths) and `parameters` for clients (choice keys, file ids, never a server path).
 */
export function jobInputs(
  service: Service,
  values: CleanValues,
  /** Parameters whose value is their default: slivka passes those as written in YAML. */
  defaulted: ReadonlySet<string> = new Set(),
): { inputs: JobInputs; parameters: JobInputs } {
  const inputs: JobInputs = {};
  const parameters: JobInputs = {};
  for (const p of service.parameters) {
    const value = values[p.id] ?? null;
    if (defaulted.has(p.id) && p.defaultCommand !== undefined && value !== null) {
      inputs[p.id] = p.defaultCommand;
      parameters[p.id] = p.defaultCommand;
      continue;
    }
    inputs[p.id] = mapValue(p, value, commandForm);
    parameters[p.id] = mapValue(p, value, clientForm);
  }
  return { inputs, parameters };
}
