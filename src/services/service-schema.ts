/**
 * The service file schema: slivka 0.8's service-schema.json, keys and patterns unchanged, so every
 * slivka project loads. Type-specific parameter keys are checked per type in `parse-parameter.ts`.
 */
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const requiredFlag = { anyOf: [{ type: 'boolean' }, { enum: ['yes', 'no'] }] } as const;

export const serviceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['slivka-version', 'name', 'parameters', 'command', 'args', 'outputs', 'execution'],
  properties: {
    'slivka-version': { type: 'string', pattern: '^\\d+\\.\\d+(\\.\\d+)?(b\\d+)?$' },
    name: { type: 'string' },
    description: { type: 'string' },
    author: { type: 'string' },
    version: { type: 'string' },
    license: { type: 'string' },
    classifiers: { type: 'array', items: { type: 'string' } },
    parameters: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z0-9\\-_]+$' },
      additionalProperties: {
        type: 'object',
        required: ['name', 'type'],
        properties: {
          name: { type: 'string' },
          description: { type: 'string' },
          type: { type: 'string', pattern: '^[A-Za-z_]\\w*(\\.[A-Za-z_]\\w+)*(\\[\\])?$' },
          required: requiredFlag,
          condition: { type: 'string' },
        },
      },
    },
    command: {
      anyOf: [
        { type: 'string', minLength: 1 },
        { type: 'array', items: { type: 'string' }, minItems: 1 },
      ],
    },
    args: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z0-9\\-_]+$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['arg'],
        properties: {
          arg: { type: 'string', minLength: 1 },
          symlink: { type: 'string' },
          join: { type: 'string' },
          default: { type: 'string' },
        },
      },
    },
    env: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      additionalProperties: { type: 'string' },
    },
    outputs: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z0-9_\\-.]+$' },
      additionalProperties: {
        type: 'object',
        required: ['path'],
        properties: {
          path: { type: 'string', minLength: 1 },
          name: { type: 'string' },
          'media-type': { type: 'string' },
        },
      },
    },
    execution: {
      type: 'object',
      additionalProperties: false,
      required: ['runners'],
      properties: {
        runners: {
          type: 'object',
          minProperties: 1,
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['type'],
            properties: {
              type: { type: 'string', minLength: 1 },
              parameters: {
                type: 'object',
                propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
              },
              consts: { ...stringMap, propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_\\-]*$' } },
              env: { ...stringMap, propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
              'selector-options': {
                type: 'object',
                propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
              },
            },
          },
        },
        selector: { type: 'string' },
      },
    },
    tests: {
      type: 'array',
      items: {
        type: 'object',
        required: ['applicable-runners', 'parameters'],
        properties: {
          'applicable-runners': { type: 'array', items: { type: 'string' }, minItems: 1 },
          parameters: {
            type: 'object',
            additionalProperties: {
              anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
            },
          },
          timeout: { type: 'integer', minimum: 1 },
          interval: { type: 'integer', minimum: 1 },
        },
      },
    },
  },
} as const;
