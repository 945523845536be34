import { apiSettings } from './api-settings';
import { coreSettings } from './core-settings';
import { metricsSettings } from './metrics-settings';
import { processSettings } from './process-settings';
import { schedulerSettings } from './scheduler-settings';
import type { SettingDeclaration, SettingSchema, SettingValue } from './setting-declaration';
import { storeSettings } from './store-settings';
import { webhooksSettings } from './webhooks-settings';

export type { SettingDeclaration, SettingDoc, SettingsTableId } from './setting-declaration';

/**
 * Every setting Damson reads. To add one, add an entry to the group file its key belongs to; the
 * schema, the default and the documents' tables follow (docs/architecture.md, "How to add a
 * setting"). Order within a group is the order of its rows in the tables.
 */
export const settingDeclarations: readonly SettingDeclaration[] = [
  ...coreSettings,
  ...schedulerSettings,
  ...storeSettings,
  ...metricsSettings,
  ...processSettings,
  ...apiSettings,
  ...webhooksSettings,
];

const byKey = new Map(settingDeclarations.map((declaration) => [declaration.key, declaration]));

/** The JSON-schema `properties` of the flat (dotted) settings keys. */
export function declaredProperties(): Record<string, SettingSchema> {
  const properties: Record<string, SettingSchema> = {};
  for (const { key, pattern, schema } of settingDeclarations)
    if (!pattern) properties[key] = schema;
  return properties;
}

/** The JSON-schema `patternProperties`: families of keys, one per service and the like. */
export function declaredPatternProperties(): Record<string, SettingSchema> {
  const properties: Record<string, SettingSchema> = {};
  for (const { pattern, schema } of settingDeclarations)
    if (pattern) properties[pattern.source] = schema;
  return properties;
}

/**
 * The declared default of `key`. A key that is not declared is a programming error (a typo in a
 * builder), so it throws rather than read as "no default".
 */
export function declaredDefault(key: string): SettingValue | undefined {
  const declaration = byKey.get(key);
  if (!declaration) throw new Error(`setting '${key}' is not declared`);
  return declaration.default;
}

/** The value of a key from the flat settings, else its declared default. */
export function settingOr<T extends SettingValue>(flat: Record<string, unknown>, key: string): T {
  const fallback = declaredDefault(key);
  if (fallback === undefined) throw new Error(`setting '${key}' has no declared default`);
  return (flat[key] as T | undefined) ?? (fallback as T);
}
