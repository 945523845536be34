import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadService } from '../../src/services/load-service';
import { loadServiceDirectory } from '../../src/services/service-catalog';
import { problem } from '../helpers/config-problem';
import { loadServiceText, serviceOf } from '../helpers/service-definition';

// What a service file may say and how it loads. The services directory, runners and tests are in
// services-loading-directory.test.ts; errors and warnings about a file's content in
// services-loading-diagnostics.test.ts.

const FIXTURES = path.resolve(__dirname, '../fixtures/services');
const SLIVKA_EXAMPLE = path.join(FIXTURES, 'slivka-project/services/example.service.yaml');

describe("slivka's example service (as `slivka init` writes it) loads unchanged", () => {
  const s = loadService(SLIVKA_EXAMPLE);
  test('metadata and parameters', () => {
    expect(s.id).toBe('example');
    expect([s.name, s.author, s.version, s.license]).toEqual([
      'Example Service',
      'Author name',
      '1.3',
      'Apache 2.0',
    ]);
    expect(s.classifiers).toEqual(['Topic=Example', 'Category=Tutorials', 'Show=False']);
    expect(s.parameters.map((p) => [p.id, p.kind, p.array, p.required])).toEqual([
      ['input-file', 'file', false, false],
      ['opt', 'text', false, false],
      ['rep', 'text', true, true],
      ['delay', 'integer', false, false],
      ['letter', 'choice', false, false],
      ['flag', 'flag', false, false],
      ['arg', 'text', false, true],
    ]);
    const delay = s.parameters.find((p) => p.id === 'delay');
    expect([delay?.default, delay?.min, delay?.max]).toEqual([0, 0, 10]);
    expect(s.parameters.find((p) => p.id === 'letter')?.choices).toEqual({
      alpha: 'A',
      bravo: 'B',
      charlie: 'C',
      delta: 'D',
    });
  });
  test('args in YAML order, runners with consts, env, outputs and tests', () => {
    expect(s.args.map((a) => a.id)).toEqual([
      'input-file',
      'opt',
      'rep',
      'delay',
      'letter',
      'flag',
      'cpucount',
      '_separator',
      'arg',
    ]);
    expect(s.args[0]).toMatchObject({ symlink: 'input.txt', template: '--infile $(value)' });
    expect(s.args[2].join).toBe(',');
    expect(s.runners.map((r) => [r.id, r.type, r.consts.cpucount])).toEqual([
      ['local-queue', 'SlivkaQueueRunner', '1'],
      ['grid-engine', 'GridEngineRunner', '4'],
      ['default', 'SlivkaQueueRunner', '1'],
    ]);
    expect(s.runners[1]).toMatchObject({
      parameters: { qargs: '-P webservice -q debug -l ram=2048M' },
      env: { SGE_USER: 'slivka-www' },
    });
    expect(s.outputs.map((o) => o.path)).toEqual(['stdout', 'stderr', 'output.txt', 'rep.?.txt']);
    expect(s.tests[0]).toEqual({
      applicableRunners: ['local-queue', 'default'],
      parameters: {
        'input-file': '${SLIVKA_HOME}/testdata/example-input.txt',
        rep: ['0', '1', '2', '3'],
        arg: 'foobar',
      },
      timeoutSeconds: 1,
      intervalSeconds: 3600,
    });
    expect(s.selector).toEqual({ kind: 'default' });
  });
  test('what slivka silently accepted is reported as warnings, not errors', () => {
    expect(s.warnings.map((w) => w.key)).toEqual([
      'execution/selector',
      'tests/1/parameters/intput-file',
    ]);
  });
});

test("Damson's own example services load without warnings", () => {
  const { services, errors } = loadServiceDirectory(path.resolve(__dirname, '../../services'));
  expect(errors).toEqual([]);
  expect(services.length).toBeGreaterThan(0);
  expect(services.flatMap((s) => s.warnings)).toEqual([]);
});

describe('every parameter type, alias and constraint', () => {
  const s = serviceOf({
    parameters: {
      i: { name: 'I', type: 'int', min: 1, max: 9, default: 2 },
      d: {
        name: 'D',
        type: 'float',
        min: 0,
        max: 1,
        'min-exclusive': true,
        'max-exclusive': false,
      },
      t: { name: 'T', type: 'string', 'min-length': 1, 'max-length': 5, required: 'no' },
      f: { name: 'F', type: 'boolean', default: false },
      c: { name: 'C', type: 'choice', choices: { a: 'A', n: null }, required: false },
      file: {
        name: 'File',
        type: 'file[]',
        'media-type': 'application/fasta',
        'media-type-parameters': { alphabet: 'protein' },
        extensions: ['fa', 'fasta'],
        required: 'yes',
      },
      ints: { name: 'Ints', type: 'integer[]', default: [1, 2] },
    },
  });
  test('are parsed', () => {
    const by = Object.fromEntries(s.parameters.map((p) => [p.id, p]));
    expect(by.i).toMatchObject({ kind: 'integer', min: 1, max: 9, default: 2, required: true });
    expect(by.d).toMatchObject({ kind: 'decimal', minExclusive: true, maxExclusive: false });
    expect(by.t).toMatchObject({ kind: 'text', minLength: 1, maxLength: 5, required: false });
    expect(by.f).toMatchObject({ kind: 'flag', default: false });
    expect(by.c.choices).toEqual({ a: 'A', n: null });
    expect(by.file).toMatchObject({
      kind: 'file',
      array: true,
      required: true,
      mediaType: 'application/fasta',
      mediaTypeParameters: { alphabet: 'protein' },
      extensions: ['fa', 'fasta'],
    });
    expect(by.ints).toMatchObject({ kind: 'integer', array: true, default: [1, 2] });
  });
  test.each<[string, Record<string, unknown>, RegExp]>([
    ['min on text', { type: 'text', min: 1 }, /unknown key 'min' for a text parameter/],
    [
      'min-exclusive on integer',
      { type: 'integer', 'min-exclusive': true },
      /unknown key 'min-exclusive'/,
    ],
    ['choices on text', { type: 'text', choices: { a: 'b' } }, /unknown key 'choices'/],
    [
      'non-numeric min',
      { type: 'integer', min: 'one' },
      /expected a finite number for 'min', got "one"/,
    ],
    ['negative length', { type: 'text', 'min-length': -1 }, /non-negative whole number/],
    [
      'exclusive not boolean',
      { type: 'decimal', 'max-exclusive': 'yes' },
      /expected true or false/,
    ],
    [
      'min-length above max-length',
      { type: 'text', 'min-length': 5, 'max-length': 2 },
      /below 'min-length'/,
    ],
    ['empty choices', { type: 'choice', choices: {} }, /at least one choice/],
    ['nested choice value', { type: 'choice', choices: { a: { b: 1 } } }, /a choice value must be/],
    ['array default not a list', { type: 'int[]', default: 3 }, /must be a list/],
    ['bad element in array default', { type: 'int[]', default: [1, 'x'] }, /Invalid integer value/],
    [
      'default below min',
      { type: 'decimal', min: 0, 'min-exclusive': true, default: 0 },
      /greater than 0/,
    ],
    [
      'choice default not a key',
      { type: 'choice', choices: { a: 'A' }, default: 'A' },
      /not one of the available choices/,
    ],
    ['too long default', { type: 'text', 'max-length': 2, default: 'abc' }, /too long/],
    ['extensions not a list', { type: 'file', extensions: 'fa' }, /list of file extensions/],
    [
      'media-type-parameters not a mapping',
      { type: 'file', 'media-type-parameters': 'x' },
      /mapping/,
    ],
  ])('%s is a load error', (_name, spec, reason) => {
    const error = problem(() => serviceOf({ parameters: { p: { name: 'P', ...spec } } }));
    expect(error.key).toMatch(/^parameters\/p(\/|$)/);
    expect(error.reason).toMatch(reason);
  });
});

describe('!include', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'damson-include-'));
  writeFileSync(
    path.join(dir, 'shared.yaml'),
    'runners:\n  default:\n    type: SlurmRunner\n    parameters: {sbatchargs: [--mem=1G]}\nmore:\n  deep: !include deeper.yaml::value\n',
  );
  writeFileSync(path.join(dir, 'deeper.yaml'), 'value: {arg: "--deep=$(value)"}\n');
  const base = `slivka-version: "0.8"\nname: Inc\nparameters: {}\ncommand: x\noutputs: {}\n`;
  test('resolves file#key/path relative to the including file, also nested and with ::', () => {
    const s = loadServiceText(
      `${base}args:\n  deep: !include shared.yaml#more/deep\nexecution:\n  runners: !include shared.yaml#runners\n`,
      'inc',
      dir,
    );
    expect(s.runners[0]).toMatchObject({ id: 'default', type: 'SlurmRunner' });
    expect(s.args[0]).toMatchObject({ id: 'deep', template: '--deep=$(value)' });
  });
  test('a missing key names the key and the line of the tag', () => {
    const error = problem(() =>
      loadServiceText(
        `${base}args: {}\nexecution:\n  runners: !include shared.yaml#nothing\n`,
        'inc2',
        dir,
      ),
    );
    expect(error.line).toBe(8);
    expect(error.reason).toMatch(/no key 'nothing'/);
  });
  test('a cycle is an error', () => {
    writeFileSync(path.join(dir, 'loop.yaml'), 'a: !include loop.yaml#a\n');
    const error = problem(() =>
      loadServiceText(
        `${base}args: !include loop.yaml#a\nexecution: {runners: {default: {type: local}}}\n`,
        'inc3',
        dir,
      ),
    );
    expect(error.reason).toMatch(/cycle/);
  });
});
