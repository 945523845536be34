/**
 * One setting, declared once: the key, its JSON schema, its default and the rows that describe it
 * in the documents' settings tables. The ajv schema, the defaults and the tables (between
 * `<!-- settings:<table> -->` markers, written by `npm run docs:settings`) are derived from these.
 */

/** The documents' settings tables; see settings-tables.ts for the file each lives in. */
export type SettingsTableId = 'readme' | 'api' | 'scheduler';

/** A JSON schema for one value, as ajv (strict mode) reads it. */
export type SettingSchema = Readonly<Record<string, unknown>>;

export type SettingValue = string | number | boolean | readonly unknown[];

/** One row of a settings table: `| label | shownDefault | description |`. */
export interface SettingDoc {
  table: SettingsTableId;
  /** The key column when it is not just the key in backquotes (a row for several keys). */
  label?: string;
  /** The default as readers see it (`100 MiB`, `none (keep)`), not necessarily the raw value. */
  shownDefault: string;
  description: string;
}

export interface SettingDeclaration {
  /** The dotted key as written in settings.yaml; for a family of keys, its shape. */
  key: string;
  /** For a family of keys (one per service, …): what their keys match. */
  pattern?: RegExp;
  schema: SettingSchema;
  /** The value used when the key is absent; absent when absence means something of its own. */
  default?: SettingValue;
  /** The key whose table row describes this one too (a row that names several keys). */
  describedBy?: string;
  docs: readonly SettingDoc[];
}
