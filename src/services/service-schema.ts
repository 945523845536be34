/**
 * The service file schema: slivka 0.8's service-schema.json, keys and patterns unchanged, so every
 * slivka project loads. Type-specific parameter keys are checked per type in `parse-parameter.ts`.
 * `expected` (ignored by Ajv) is what an error message says was expected at that place.
 */
import { cacheSchema } from './cache-policy';

const stringMap = (expected: string) =>
  ({
    type: 'object',
    expected,
    additionalProperties: { type: 'string', expected: 'a string' },
  }) as const;
const requiredFlag = {
  anyOf: [{ type: 'boolean' }, { enum: ['yes', 'no'] }],
  expected: 'true, false, yes or no',
} as const;
const ID = '^[A-Za-z0-9\\-_]+$';
const ENV_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';
const PY_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';
const string = (expected = 'a string') => ({ type: 'string', expected }) as const;
const stringList = (expected: string) =>
  ({ type: 'array', items: { type: 'string', expected: 'a string' }, expected }) as const;

const declarativeSelector = {
  type: 'object',
  expected: 'a mapping with rules and default',
  additionalProperties: false,
  properties: {
    rules: {
      type: 'array',
      expected: 'a list of rules, each {when: <condition>, runner: <runner id>}',
      items: {
        type: 'object',
        expected: 'a rule {when: <condition>, runner: <runner id>}',
        additionalProperties: false,
        required: ['when', 'runner'],
        properties: {
          when: { type: 'string', minLength: 1, expected: 'a condition expression' },
          runner: { type: 'string', minLength: 1, expected: 'a runner id' },
        },
      },
    },
    default: { type: ['string', 'null'], expected: 'a runner id, or null to reject' },
    module: { type: 'string', minLength: 1, expected: 'a JavaScript module path' },
    function: { type: 'string', minLength: 1, expected: 'an exported function name' },
  },
} as const;

export const serviceSchema = {
  type: 'object',
  expected: 'a mapping',
  additionalProperties: false,
  required: ['slivka-version', 'name', 'parameters', 'command', 'args', 'outputs', 'execution'],
  properties: {
    'slivka-version': {
      type: 'string',
      pattern: '^\\d+\\.\\d+(\\.\\d+)?(b\\d+)?$',
      expected: 'a quoted version such as "0.8.3"',
    },
    name: string(),
    description: string(),
    author: string(),
    version: string('a quoted version string such as "1.0"'),
    license: string(),
    classifiers: stringList('a list of strings'),
    // Damson's result cache (src/services/cache-policy.ts).
    cache: cacheSchema,
    parameters: {
      type: 'object',
      expected: 'a mapping of parameter id to parameter',
      propertyNames: { pattern: ID, expected: 'letters, digits, - and _' },
      additionalProperties: {
        type: 'object',
        expected: 'a parameter mapping with name and type',
        required: ['name', 'type'],
        properties: {
          name: string(),
          description: string(),
          type: {
            type: 'string',
            pattern: '^[A-Za-z_]\\w*(\\.[A-Za-z_]\\w+)*(\\[\\])?$',
            expected: 'a type name such as integer, text or file[]',
          },
          required: requiredFlag,
          condition: string('a condition expression'),
        },
      },
    },
    command: {
      anyOf: [
        { type: 'string', minLength: 1 },
        { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
      ],
      expected: 'a non-empty string or a non-empty list of non-empty strings',
    },
    args: {
      type: 'object',
      expected: 'a mapping of argument id to {arg, symlink, join, default}',
      propertyNames: { pattern: ID, expected: 'letters, digits, - and _' },
      additionalProperties: {
        type: 'object',
        expected: 'a mapping {arg, symlink, join, default}',
        additionalProperties: false,
        required: ['arg'],
        properties: {
          arg: { type: 'string', minLength: 1, expected: 'a non-empty argument template' },
          symlink: { type: 'string', minLength: 1, expected: 'a file name' },
          join: string('a separator string'),
          default: string('a string (quote numbers)'),
        },
      },
    },
    env: {
      ...stringMap('a mapping of variable name to string'),
      propertyNames: { pattern: ENV_NAME, expected: 'an environment variable name' },
    },
    outputs: {
      type: 'object',
      expected: 'a mapping of output id to {path, name, media-type}',
      propertyNames: { pattern: '^[A-Za-z0-9_\\-.]+$', expected: 'letters, digits, ., - and _' },
      additionalProperties: {
        type: 'object',
        expected: 'a mapping {path, name, media-type}',
        additionalProperties: false,
        required: ['path'],
        properties: {
          path: { type: 'string', minLength: 1, expected: 'a glob pattern' },
          name: string(),
          'media-type': string('a media type such as text/plain'),
        },
      },
    },
    execution: {
      type: 'object',
      expected: 'a mapping {runners, selector}',
      additionalProperties: false,
      required: ['runners'],
      properties: {
        runners: {
          type: 'object',
          expected: 'a mapping of runner id to runner',
          minProperties: 1,
          additionalProperties: {
            type: 'object',
            expected: 'a runner mapping {type, parameters, consts, env, selector-options}',
            additionalProperties: false,
            required: ['type'],
            properties: {
              type: { type: 'string', minLength: 1, expected: 'a runner type' },
              parameters: {
                type: 'object',
                expected: 'a mapping of runner parameters',
                propertyNames: { pattern: PY_NAME, expected: 'a name of letters, digits and _' },
              },
              consts: {
                ...stringMap('a mapping of argument id to string'),
                propertyNames: { pattern: ID, expected: 'an argument id' },
              },
              env: {
                ...stringMap('a mapping of variable name to string'),
                propertyNames: { pattern: ENV_NAME, expected: 'an environment variable name' },
              },
              'selector-options': {
                type: 'object',
                expected: 'a mapping of option name to value',
                propertyNames: { pattern: PY_NAME, expected: 'a name of letters, digits and _' },
              },
            },
          },
        },
        selector: {
          anyOf: [{ type: 'string', minLength: 1 }, declarativeSelector],
          expected: 'a module path or a mapping {rules, default}',
        },
        // Damson extensions (docs/scheduler.md); absent means the settings' defaults.
        timeout: { type: 'integer', minimum: 1 },
        retries: { type: 'integer', minimum: 0 },
        weight: { type: 'integer', minimum: 1, maximum: 1000 },
      },
    },
    // Damson extension (docs/service-files.md): where a running job's progress comes from.
    progress: {
      type: 'object',
      expected: 'a mapping {output, pattern} or {file}',
      additionalProperties: false,
      oneOf: [{ required: ['output', 'pattern'] }, { required: ['file'] }],
      properties: {
        output: { type: 'string', minLength: 1, expected: 'an output id' },
        pattern: { type: 'string', minLength: 1, expected: 'a regular expression' },
        file: { type: 'string', minLength: 1, expected: 'a file name in the job directory' },
      },
    },
    tests: {
      type: 'array',
      expected: 'a list of tests',
      items: {
        type: 'object',
        expected: 'a test {applicable-runners, parameters, timeout, interval}',
        additionalProperties: false,
        required: ['applicable-runners', 'parameters'],
        properties: {
          'applicable-runners': {
            type: 'array',
            items: { type: 'string', expected: 'a runner id' },
            minItems: 1,
            expected: 'a non-empty list of runner ids',
          },
          parameters: {
            type: 'object',
            expected: 'a mapping of argument id to value',
            additionalProperties: {
              anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
              expected: 'a string or a list of strings',
            },
          },
          timeout: { type: 'integer', minimum: 1, expected: 'a whole number of seconds (≥ 1)' },
          interval: { type: 'integer', minimum: 1, expected: 'a whole number of seconds (≥ 1)' },
        },
      },
    },
  },
} as const;
