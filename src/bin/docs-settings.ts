/**
 * `npm run docs:settings`: rewrites the settings tables of README.md and docs/*.md from
 * src/config/setting-declarations/. With `--check` it writes nothing and exits 1 when a table
 * differs from the declarations (the unit test settings-tables.test.ts checks the same in CI).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { settingDeclarations } from '../config/setting-declarations';
import type { SettingsTableId } from '../config/setting-declarations';
import {
  SETTINGS_TABLES,
  replaceSettingsTable,
} from '../config/setting-declarations/settings-tables';

function main(argv: readonly string[]): number {
  const check = argv.includes('--check');
  // npm runs scripts in the package's root, where the documents are.
  const root = process.cwd();
  let drifted = 0;
  for (const id of Object.keys(SETTINGS_TABLES) as SettingsTableId[]) {
    const file = path.join(root, SETTINGS_TABLES[id].file);
    const before = readFileSync(file, 'utf8');
    const after = replaceSettingsTable(before, id, settingDeclarations);
    if (after === before) continue;
    drifted += 1;
    if (check)
      console.error(`${SETTINGS_TABLES[id].file}: table '${id}' differs from the declarations`);
    else writeFileSync(file, after);
  }
  return check && drifted > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
