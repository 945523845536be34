import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import {
  declaredDefault,
  settingDeclarations,
  settingOr,
  type SettingDeclaration,
} from '../../../src/config/setting-declarations';
import type { SettingsTableId } from '../../../src/config/setting-declarations';
import {
  SETTINGS_TABLES,
  SettingsTableError,
  renderSettingsTable,
  replaceSettingsTable,
  undocumentedSettings,
} from '../../../src/config/setting-declarations/settings-tables';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const TABLE_IDS = Object.keys(SETTINGS_TABLES) as SettingsTableId[];

describe('settings tables generated from the declarations', () => {
  it.each(TABLE_IDS)(
    'the %s table matches the declarations (else: npm run docs:settings)',
    (id) => {
      const document = readFileSync(path.join(ROOT, SETTINGS_TABLES[id].file), 'utf8');
      expect(replaceSettingsTable(document, id, settingDeclarations)).toBe(document);
    },
  );

  it('notices a row edited by hand, a row missing and a row too many', () => {
    const document = readFileSync(path.join(ROOT, SETTINGS_TABLES.readme.file), 'utf8');
    const edited = document.replace('| `log.level` | `info` |', '| `log.level` | `debug` |');
    const missing = document.replace(/^\| `log\.level` .*\n/m, '');
    const extra = document.replace(
      '| `log.level` |',
      '| `log.format` | `json` | how to log |\n| `log.level` |',
    );
    for (const drifted of [edited, missing, extra]) {
      expect(drifted).not.toBe(document);
      expect(replaceSettingsTable(drifted, 'readme', settingDeclarations)).toBe(document);
    }
  });

  it('keeps the columns of the hand-written tables: key, default, meaning', () => {
    for (const id of TABLE_IDS) {
      const lines = renderSettingsTable(id, settingDeclarations).split('\n');
      expect(lines[0]).toBe('| key | default | meaning |');
      for (const row of lines.slice(2)) expect(row).toMatch(/^\| `[^|]+ \| [^|]* \| .+ \|$/);
    }
  });

  it('refuses a document without the markers', () => {
    expect(() => replaceSettingsTable('# no table\n', 'api', settingDeclarations)).toThrow(
      SettingsTableError,
    );
  });
});

describe('setting declarations', () => {
  it('describe every setting in some table', () => {
    expect(undocumentedSettings(settingDeclarations)).toEqual([]);
  });

  it('report a setting without a description', () => {
    const bare: SettingDeclaration[] = [
      { key: 'a.documented', schema: { type: 'integer' }, docs: [doc('x')] },
      { key: 'a.no-row', schema: { type: 'integer' }, docs: [] },
      { key: 'a.empty', schema: { type: 'integer' }, docs: [doc(' ')] },
      { key: 'a.covered', schema: { type: 'integer' }, describedBy: 'a.documented', docs: [] },
      { key: 'a.dangling', schema: { type: 'integer' }, describedBy: 'a.no-row', docs: [] },
    ];
    expect(undocumentedSettings(bare)).toEqual(['a.no-row', 'a.empty', 'a.dangling']);
  });

  it('declare each key once', () => {
    const keys = settingDeclarations.map((declaration) => declaration.key);
    expect(keys.filter((key, index) => keys.indexOf(key) !== index)).toEqual([]);
  });

  it('give defaults their own schema accepts', () => {
    const ajv = new Ajv({ strict: true });
    for (const { key, schema, default: value } of settingDeclarations) {
      if (value === undefined) continue;
      expect({ key, valid: ajv.validate(schema, value) }).toEqual({ key, valid: true });
    }
  });
});

describe('defaults read from the declarations', () => {
  it('take the value set, else the declared default', () => {
    expect(settingOr<number>({}, 'scheduler.lease')).toBe(30000);
    expect(settingOr<number>({ 'scheduler.lease': 5000 }, 'scheduler.lease')).toBe(5000);
    expect(settingOr<string[]>({}, 'api.webhooks.allowed-hosts')).toEqual([]);
  });

  it('throw on a key that is not declared or has no default (a builder bug, not user input)', () => {
    expect(() => declaredDefault('scheduler.leese')).toThrow(
      "setting 'scheduler.leese' is not declared",
    );
    expect(() => settingOr({}, 'store.retention-days')).toThrow('has no declared default');
    expect(declaredDefault('store.retention-days')).toBeUndefined();
  });
});

function doc(description: string): SettingDeclaration['docs'][number] {
  return { table: 'readme', shownDefault: '1', description };
}
