import type { FieldErrorCode } from '../errors';
import { MAX_PIPELINE_STEPS } from '../jobs';
import type { PipelineError } from '../wire/api-errors';

/** A parameter value naming an earlier step's output: `{"from": "<step>", "output": "<id>"}`. */
export interface OutputReference {
  from: string;
  output: string;
}

export type StepItem = string | OutputReference;

export interface RequestedStep {
  name: string;
  service: string;
  /** Each parameter's items (an array means repeated values; null items are dropped). */
  parameters: Map<string, StepItem[]>;
}

/** A problem with one step (or, with step null, the whole body); answered 422. */
export type { PipelineError };

const STEP_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const MAX_NAME_LENGTH = 200;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function reference(value: Record<string, unknown>): OutputReference | null {
  const keys = Object.keys(value);
  if (keys.length !== 2 || !Object.hasOwn(value, 'from') || !Object.hasOwn(value, 'output'))
    return null;
  const { from, output } = value;
  if (typeof from !== 'string' || typeof output !== 'string') return null;
  if (from.length > MAX_NAME_LENGTH || output.length > MAX_NAME_LENGTH) return null;
  return { from, output };
}

/** One JSON value as text, the way a browser form would send it; undefined: not allowed. */
function item(value: unknown): StepItem | null | undefined {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (isPlainObject(value)) return reference(value) ?? undefined;
  return undefined;
}

function parseStep(raw: unknown, index: number, errors: PipelineError[]): RequestedStep | null {
  const at = `steps[${index}]`;
  const fail = (parameter: string | null, errorCode: FieldErrorCode, message: string): null => {
    errors.push({ step: at, parameter, errorCode, message });
    return null;
  };
  if (!isPlainObject(raw))
    return fail(null, 'invalid', 'A step is an object with name, service and parameters.');
  const { name, service, parameters } = raw;
  if (typeof name !== 'string' || !STEP_NAME.test(name))
    return fail(
      null,
      'invalid_name',
      'name must be a letter then up to 63 letters, digits, - or _.',
    );
  if (typeof service !== 'string' || service.length === 0 || service.length > MAX_NAME_LENGTH)
    return fail(null, 'invalid_service', 'service must be a service id.');
  if (parameters !== undefined && !isPlainObject(parameters))
    return fail(null, 'invalid_parameters', 'parameters must be an object of values.');
  // Prototype-free: `__proto__` or `constructor` is just another (unknown) parameter name.
  const values = new Map<string, StepItem[]>();
  for (const [parameter, value] of Object.entries(parameters ?? {})) {
    const items = (Array.isArray(value) ? value : [value]).map(item);
    if (items.some((v) => v === undefined)) {
      errors.push({
        step: name,
        parameter,
        errorCode: 'invalid_value',
        message:
          'A value is a string, number, boolean, null, {"from": step, "output": output id}, ' +
          'or an array of those.',
      });
      continue;
    }
    values.set(
      parameter,
      items.filter((v): v is StepItem => v !== null && v !== undefined),
    );
  }
  return { name, service, parameters: values };
}

/**
 * The body of `POST /pipelines` in shape only: `{"steps": [{"name", "service", "parameters"}]}`
 * with unique step names and at most MAX_PIPELINE_STEPS steps. Services and values are checked
 * by submitPipeline.
 */
export function parsePipelineRequest(
  body: unknown,
): { ok: true; steps: RequestedStep[] } | { ok: false; errors: PipelineError[] } {
  const whole = (errorCode: FieldErrorCode, message: string) => ({
    ok: false as const,
    errors: [{ step: null, parameter: null, errorCode, message }],
  });
  if (!isPlainObject(body) || !Array.isArray(body.steps))
    return whole('invalid', 'The body must be {"steps": [...]}.');
  if (body.steps.length === 0) return whole('no_steps', 'A pipeline has at least one step.');
  if (body.steps.length > MAX_PIPELINE_STEPS)
    return whole('too_many_steps', `A pipeline has at most ${MAX_PIPELINE_STEPS} steps.`);
  const errors: PipelineError[] = [];
  const steps: RequestedStep[] = [];
  const seen = new Set<string>();
  body.steps.forEach((raw, index) => {
    const step = parseStep(raw, index, errors);
    if (!step) return;
    if (seen.has(step.name)) {
      errors.push({
        step: step.name,
        parameter: null,
        errorCode: 'duplicate_name',
        message: 'Another step has this name.',
      });
      return;
    }
    seen.add(step.name);
    steps.push(step);
  });
  return errors.length ? { ok: false, errors } : { ok: true, steps };
}
