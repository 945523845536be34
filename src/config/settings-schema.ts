import { declaredPatternProperties, declaredProperties } from './setting-declarations';

/**
 * slivka 0.8's settings keys (flattened, dotted) plus what Damson adds, derived from the
 * declarations in setting-declarations/. Unknown keys are errors, as in slivka, so a typo is
 * caught at load instead of silently ignored.
 */
export const settingsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: declaredProperties(),
  patternProperties: declaredPatternProperties(),
} as const;
