import type { SettingDeclaration, SettingsTableId } from './setting-declaration';

/**
 * The settings tables of the documents, generated from the declarations between
 * `<!-- settings:<id> -->` and `<!-- /settings:<id> -->` by `npm run docs:settings`, and checked
 * against them by test/unit/config/settings-tables.test.ts.
 */
export const SETTINGS_TABLES: Readonly<
  Record<SettingsTableId, { file: string; header: readonly string[] }>
> = {
  readme: { file: 'README.md', header: ['| key | default | meaning |', '|---|---|---|'] },
  api: { file: 'docs/api.md', header: ['| key | default | meaning |', '|---|---|---|'] },
  scheduler: {
    file: 'docs/scheduler.md',
    header: ['| key | default | meaning |', '| --- | --- | --- |'],
  },
};

export class SettingsTableError extends Error {}

/** The table's markdown: its header, then one row per doc entry, in declaration order. */
export function renderSettingsTable(
  id: SettingsTableId,
  declarations: readonly SettingDeclaration[],
): string {
  const rows = declarations.flatMap(({ key, docs }) =>
    docs
      .filter((doc) => doc.table === id)
      .map((doc) => `| ${doc.label ?? `\`${key}\``} | ${doc.shownDefault} | ${doc.description} |`),
  );
  return [...SETTINGS_TABLES[id].header, ...rows].join('\n');
}

/** The document with the table between its markers rewritten; throws when a marker is missing. */
export function replaceSettingsTable(
  document: string,
  id: SettingsTableId,
  declarations: readonly SettingDeclaration[],
): string {
  const start = `<!-- settings:${id} -->`;
  const end = `<!-- /settings:${id} -->`;
  const from = document.indexOf(start);
  const to = document.indexOf(end, from);
  if (from < 0 || to < 0) {
    throw new SettingsTableError(`${SETTINGS_TABLES[id].file}: no '${start}' … '${end}' markers`);
  }
  const table = renderSettingsTable(id, declarations);
  return `${document.slice(0, from)}${start}\n\n${table}\n\n${document.slice(to)}`;
}

/**
 * Keys a reader could not look up: no table row of their own, and no `describedBy` naming a
 * declared key that has one; or a row with an empty description.
 */
export function undocumentedSettings(declarations: readonly SettingDeclaration[]): string[] {
  const documented = new Set(
    declarations.filter((d) => d.docs.length > 0 && !d.describedBy).map((d) => d.key),
  );
  return declarations
    .filter((d) =>
      d.docs.length > 0
        ? d.docs.some((doc) => doc.description.trim() === '')
        : !(d.describedBy !== undefined && documented.has(d.describedBy)),
    )
    .map((d) => d.key);
}
