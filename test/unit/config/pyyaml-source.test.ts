import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { YamlSource } from '../../../src/config/yaml-source';
import { ConfigError } from '../../../src/errors';
import { loadSettings } from '../../../src/config/load-settings';
import { loadServiceText } from '../../helpers/service-definition';

function read(text: string): unknown {
  return YamlSource.parse('/x/test.yaml', text).toJS();
}

function refusal(text: string): ConfigError {
  try {
    YamlSource.parse('/x/test.yaml', text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the text to be refused');
}

describe("YAML scalars as PyYAML's SafeLoader resolves them (YAML 1.1)", () => {
  test.each([
    ['yes', true],
    ['Yes', true],
    ['YES', true],
    ['on', true],
    ['On', true],
    ['ON', true],
    ['no', false],
    ['NO', false],
    ['off', false],
    ['Off', false],
    ['True', true],
    ['FALSE', false],
    // Not booleans to PyYAML (they are to the yaml package's 1.1 schema, and y/n to YAML 1.1 itself).
    ['y', 'y'],
    ['n', 'n'],
    ['N', 'N'],
    ['yEs', 'yEs'],
    ['~', null],
    ['Null', null],
    ['', null],
    ['0755', 493],
    ['0o17', '0o17'],
    ['09', '09'],
    ['0x1F', 31],
    ['0b101', 5],
    ['1_000', 1000],
    ['1:30', 90],
    ['-1:30', -90],
    ['190:20:30', 685230],
    ['1:30.5', 90.5],
    ['1e5', '1e5'],
    ['1.0e5', '1.0e5'],
    ['1.0e+5', 100000],
    ['1.', 1],
    ['.5', 0.5],
    ['08.5', 8.5],
    ['-.inf', -Infinity],
    ['2024-1-1', '2024-1-1'],
  ])('%j', (source, expected) => {
    expect(read(`v: ${source}\n`)).toEqual({ v: expected });
  });

  test('a date is a date, not a string (so a string key refuses it, as in slivka)', () => {
    expect((read('v: 2024-01-01\n') as { v: unknown }).v).toBeInstanceOf(Date);
  });

  test('a plain `=` is refused as PyYAML refuses it', () => {
    expect(refusal('v: =\n').reason).toMatch(/tag:yaml\.org,2002:value/);
  });
});

describe('quoted scalars continued on tab-indented lines, as PyYAML reads them', () => {
  test('a double-quoted description continued on tab-indented lines loads with its value', () => {
    expect(read('description: "Foo bar\n\tbaz qux"\nname: x\n')).toEqual({
      description: 'Foo bar baz qux',
      name: 'x',
    });
  });
  test('nested, under-indented, blank and single-quoted continuations', () => {
    expect(
      read('a:\n  d: "Foo\n\n\t\tbar\t\n\tbaz"\n  e: \'it\'\'s\n\tx\'\n  f: "g\nh"\n'),
    ).toEqual({
      a: { d: 'Foo\nbar baz', e: "it's x", f: 'g h' },
    });
  });
  test('tabs as indentation elsewhere are still refused, naming the tab and its line', () => {
    const error = refusal('a: 1\n\tb: 2\n');
    expect(error.reason).toMatch(/^invalid YAML: Tabs are not allowed as indentation/);
    expect(error.line).toBe(2);
  });
  test("after PyYAML's tolerance is granted, the error left is the one shown, with its line", () => {
    const error = refusal('a:\n  b: "x\n\ty"\n\tc: 1\n');
    expect(error.reason).toMatch(/^invalid YAML: Tabs are not allowed as indentation/);
    expect(error.message).toMatch(/^\/x\/test\.yaml:4:1: /);
  });
  test('every error of a refused file is shown, the tab first', () => {
    const error = refusal('a: 1\n\tb: 2\nc: [\n');
    expect(error.reason).toMatch(/^invalid YAML: Tabs are not allowed as indentation/);
    expect(error.reason).toMatch(/the parser also reported: 4:1: Flow sequence/);
    expect(error.line).toBe(2);
  });
});

describe('service files and settings read with these resolvers', () => {
  test("slivka's YAML 1.1 booleans in every key: min-exclusive: yes, required: no", () => {
    const s = loadServiceText(
      [
        'slivka-version: "0.8.3"',
        'name: T',
        'parameters:',
        '  x: {type: decimal, name: X, min: 0, min-exclusive: yes, max: 1, max-exclusive: On}',
        '  y: {type: text, name: Y, required: NO}',
        'command: t',
        'args: {x: {arg: "$(value)"}, y: {arg: "$(value)"}}',
        'outputs: {}',
        'execution: {runners: {default: {type: ShellRunner}}}',
        '',
      ].join('\n'),
    );
    const [x, y] = s.parameters;
    expect([x.minExclusive, x.maxExclusive, y.required]).toEqual([true, true, false]);
  });

  test('!include keeps working, and the included file is read with the same resolvers', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'damson-pyyaml-'));
    writeFileSync(
      path.join(dir, 'params.yaml'),
      'x:\n  type: decimal\n  name: "X\n\tcontinued"\n  min: 0\n  min-exclusive: yes\n',
    );
    const s = loadServiceText(
      [
        'slivka-version: "0.8.3"',
        'name: T',
        'parameters: !include params.yaml',
        'command: t',
        'args: {x: {arg: "$(value)"}}',
        'outputs: {}',
        'execution: {runners: {default: {type: ShellRunner}}}',
        '',
      ].join('\n'),
      'inc',
      dir,
    );
    expect([s.parameters[0].name, s.parameters[0].minExclusive]).toEqual(['X continued', true]);
  });

  test('settings.yaml is read with them too (octal, a tab-continued quoted value)', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'damson-pyyaml-settings-'));
    writeFileSync(
      path.join(home, 'settings.yaml'),
      'version: "0.8"\nserver.max-files: 017\nmongodb.database: "sli\n\tvka"\n',
    );
    const settings = loadSettings({ DAMSON_HOME: home });
    expect(settings.server.maxFiles).toBe(15);
  });
});
