/**
 * Every `errorCode` of an entry in the `errors` list of a 422 answer (`invalid_parameters`,
 * `invalid_pipeline`): one value, or one pipeline step, and what is wrong with it. The form codes
 * are slivka's, verbatim (its clients match on them). Documented in docs/errors.md.
 *
 * This file imports nothing: the portal imports its types too.
 */
export interface FieldErrorEntry {
  readonly description: string;
}

export const FIELD_ERRORS = {
  // A value of a service's form (slivka's codes first).
  required: { description: 'The parameter is required and has no value.' },
  invalid: {
    description: 'The value is not of the parameter’s type, or the body/step is not an object.',
  },
  min_value: { description: 'The number is below the parameter’s minimum.' },
  max_value: { description: 'The number is above the parameter’s maximum.' },
  min_length: { description: 'The text is shorter than the parameter allows.' },
  max_length: { description: 'The text is longer than the parameter allows.' },
  pattern: { description: 'The text does not match the parameter’s pattern.' },
  invalid_character: {
    description: 'The value holds a character a command line cannot carry (a NUL, say).',
  },
  not_found: { description: 'No file with this id exists (or the caller may not read it).' },
  media_type: { description: 'The file is not of the parameter’s media type.' },
  condition: { description: 'The value is given but the parameter’s condition is not met.' },
  leading_dash: { description: 'The value starts with a dash and would be read as an option.' },
  argument_too_long: { description: 'The value makes one command-line argument too long.' },
  command_too_long: { description: 'The command line the values make is too long.' },
  // A step of a pipeline, or a value of a template's form.
  no_steps: { description: 'The pipeline has no steps.' },
  too_many_steps: { description: 'The pipeline has more steps than allowed.' },
  invalid_name: { description: 'A step name is missing or not a valid name.' },
  duplicate_name: { description: 'Another step has this name.' },
  invalid_service: { description: 'A step’s `service` is not a service id.' },
  invalid_parameters: { description: 'A step’s `parameters` is not an object of values.' },
  invalid_value: { description: 'The value is not one a step or a template takes.' },
  unknown_service: { description: 'No service has this id.' },
  service_unrunnable: { description: 'No runner this server has can run the step’s service.' },
  unknown_parameter: { description: 'The step’s service has no parameter of this name.' },
  not_a_file: { description: 'Only a file parameter can take another step’s output.' },
  too_many_values: { description: 'The parameter takes one file and is given more.' },
  self_reference: { description: 'A step reads its own output.' },
  unknown_step: { description: 'No step (of the pipeline or the template) has this name.' },
  unknown_output: { description: 'The step read from has no output of this id.' },
  glob_needs_array: {
    description: 'The output may match several files and the parameter takes one.',
  },
  media_type_mismatch: {
    description: 'The output’s media type is not the one the parameter takes.',
  },
  cycle: { description: 'The steps read each other’s outputs in a cycle.' },
  fixed_parameter: { description: 'The template fixes this value.' },
  not_an_input: { description: 'The template takes no value for this parameter.' },
} as const satisfies Record<string, FieldErrorEntry>;

export type FieldErrorCode = keyof typeof FIELD_ERRORS;
