import type { FieldErrorCode } from '../errors';
import type { PipelineTemplate } from '../services/pipeline-template';
import type { PipelineError } from './pipeline-request';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A user's value: plain JSON scalars only; a reference to an output is the template's to make. */
const isUserValue = (value: unknown): boolean =>
  value === null ||
  typeof value === 'string' ||
  typeof value === 'boolean' ||
  (typeof value === 'number' && Number.isFinite(value));

/**
 * A template submission `{"values": {"<step>": {"<parameter>": value}}}` expanded into the body of
 * `POST /pipelines`: the template's fixed values plus the user's for the template's inputs. A
 * value for a fixed parameter, an unknown step or a parameter that is not an input is refused
 * here; the values themselves are checked by submitPipeline as any pipeline's are.
 */
export function expandTemplate(
  template: PipelineTemplate,
  body: unknown,
): { ok: true; body: { steps: unknown[] } } | { ok: false; errors: PipelineError[] } {
  const errors: PipelineError[] = [];
  const fail = (
    step: string | null,
    parameter: string | null,
    code: FieldErrorCode,
    message: string,
  ) => errors.push({ step, parameter, errorCode: code, message });
  if (!isPlainObject(body) || (body.values !== undefined && !isPlainObject(body.values))) {
    fail(null, null, 'invalid', 'The body must be {"values": {"<step>": {"<parameter>": value}}}.');
    return { ok: false, errors };
  }
  const values = (body.values ?? {}) as Record<string, unknown>;
  const steps = new Map(template.steps.map((s) => [s.name, s]));
  for (const [stepName, given] of Object.entries(values)) {
    const step = steps.get(stepName);
    if (!step) {
      fail(stepName, null, 'unknown_step', `The template has no step '${stepName}'.`);
      continue;
    }
    if (!isPlainObject(given)) {
      fail(stepName, null, 'invalid', 'A step’s values are an object of parameter values.');
      continue;
    }
    for (const [parameter, value] of Object.entries(given)) {
      if (step.fixed.has(parameter))
        fail(stepName, parameter, 'fixed_parameter', 'The template fixes this value.');
      else if (!step.inputs.includes(parameter))
        fail(stepName, parameter, 'not_an_input', 'The template takes no value for this.');
      else if (!(Array.isArray(value) ? value.every(isUserValue) : isUserValue(value)))
        fail(
          stepName,
          parameter,
          'invalid_value',
          'A value is text, a number, a boolean or a list of those.',
        );
    }
  }
  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    body: {
      steps: template.steps.map((step) => {
        const parameters: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
        const given = (values[step.name] ?? {}) as Record<string, unknown>;
        for (const id of step.inputs) if (Object.hasOwn(given, id)) parameters[id] = given[id];
        for (const [id, items] of step.fixed) parameters[id] = items;
        return { name: step.name, service: step.service, parameters: { ...parameters } };
      }),
    },
  };
}
