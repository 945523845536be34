import { apiSettingsPatternProperties, apiSettingsProperties } from './api-settings';

/**
 * slivka 0.8's settings keys (flattened, dotted) plus what Damson adds. Unknown keys are errors,
 * as in slivka, so a typo is caught at load instead of silently ignored.
 */
export const settingsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: {
    version: { type: 'string', pattern: '^(0\\.3|0\\.8(\\.[0-5])?)$' },
    'directory.uploads': { type: 'string', minLength: 1 },
    'directory.jobs': { type: 'string', minLength: 1 },
    'directory.logs': { type: 'string', minLength: 1 },
    'directory.services': { type: 'string', minLength: 1 },
    'directory.data': { type: 'string', minLength: 1 },
    'server.host': { type: 'string', pattern: '^[^:\\s]+:\\d{1,5}$' },
    'server.uploads-path': { type: 'string', pattern: '^/' },
    'server.jobs-path': { type: 'string', pattern: '^/' },
    'server.prefix': { type: 'string', pattern: '^(/.*)?$' },
    'server.media': { enum: ['app', 'proxy'] },
    'server.max-file-size': { type: 'integer', minimum: 1 },
    'server.max-files': { type: 'integer', minimum: 0 },
    'server.max-fields': { type: 'integer', minimum: 1 },
    'server.max-field-size': { type: 'integer', minimum: 1 },
    'local-queue.host': { type: 'string', minLength: 1 },
    'scheduler.wake-address': { type: 'string', minLength: 1 },
    'scheduler.poll-interval': { type: 'integer', minimum: 10 },
    'scheduler.lease': { type: 'integer', minimum: 1000 },
    'scheduler.heartbeat-interval': { type: 'integer', minimum: 50 },
    'local-agent.slots': { type: 'integer', minimum: 1 },
    'store.url': { type: 'string', pattern: '^(sqlite:|mongodb(\\+srv)?://)' },
    'mongodb.host': { type: 'string' },
    'mongodb.socket': { type: 'string' },
    'mongodb.username': { type: 'string' },
    'mongodb.password': { type: 'string' },
    'mongodb.database': { type: 'string' },
    'log.level': { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    ...apiSettingsProperties,
  },
  patternProperties: { ...apiSettingsPatternProperties },
} as const;
