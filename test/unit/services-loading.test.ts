import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/errors';
import { loadService } from '../../src/services/load-service';
import { loadServiceDirectory } from '../../src/services/service-catalog';
import { loadServiceText, serviceOf } from '../helpers/service-definition';

const FIXTURES = path.resolve(__dirname, '../fixtures/services');
const SLIVKA_EXAMPLE = path.join(FIXTURES, 'slivka-project/services/example.service.yaml');

function problem(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

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

describe('the services directory', () => {
  test('file names give ids; other files are ignored; a bad file does not stop the others', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'damson-dir-'));
    const good = `slivka-version: "0.8"\nname: G\nparameters: {}\ncommand: x\nargs: {}\noutputs: {}\nexecution: {runners: {default: {type: local}}}\n`;
    writeFileSync(path.join(dir, 'my.tool.service.yaml'), good);
    writeFileSync(path.join(dir, 'other.service.yml'), good);
    writeFileSync(path.join(dir, 'notes.yaml'), 'not: a service');
    writeFileSync(path.join(dir, 'bad.service.yaml'), good.replace('name: G\n', ''));
    const { services, errors } = loadServiceDirectory(dir);
    expect(services.map((s) => s.id)).toEqual(['my.tool', 'other']);
    expect(errors.map((e) => [path.basename(e.file), e.reason])).toEqual([
      ['bad.service.yaml', "missing required key 'name'"],
    ]);
  });
  test('the same id twice (.yaml and .yml) is an error on the second file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'damson-dir-'));
    const good = `slivka-version: "0.8"\nname: G\nparameters: {}\ncommand: x\nargs: {}\noutputs: {}\nexecution: {runners: {default: {type: local}}}\n`;
    writeFileSync(path.join(dir, 'twin.service.yaml'), good);
    writeFileSync(path.join(dir, 'twin.service.yml'), good);
    const { services, errors } = loadServiceDirectory(dir);
    expect(services.map((s) => s.id)).toEqual(['twin']);
    expect(errors[0].message).toMatch(
      /twin\.service\.yml: at '\/': service id 'twin' is already defined/,
    );
  });
  test('a missing directory is one error, not a crash', () => {
    const { services, errors } = loadServiceDirectory('/nonexistent/services');
    expect(services).toEqual([]);
    expect(errors[0].reason).toMatch(/cannot read the services directory/);
  });
});

describe('runners and tests', () => {
  test('LSF and Python runner classes load with a warning (a misspelt type is a broken-file case)', () => {
    const s = serviceOf({
      execution: {
        runners: {
          lsf: { type: 'LSFRunner' },
          mine: { type: 'my.pkg.Runner' },
          default: { type: 'local' },
        },
      },
    });
    expect(s.warnings.map((w) => w.key)).toEqual([
      'execution/runners/lsf/type',
      'execution/runners/mine/type',
    ]);
  });
  test('consts for an argument that does not exist are a warning (and so is the orphaned arg)', () => {
    const s = serviceOf({
      args: { threads: { arg: '-t $(value)' } },
      execution: { runners: { default: { type: 'local', consts: { thread: '4' } } } },
    });
    expect(s.warnings.map((w) => w.reason)).toEqual([
      "'thread' is not an argument id in 'args', so this constant is never used",
      "argument 'threads' has no parameter of that id, no default and no runner constant, so it is never used (parameters: none)",
    ]);
  });
  test('test timeout and interval default to 900 and 3600 seconds', () => {
    const s = serviceOf({ tests: [{ 'applicable-runners': ['default'], parameters: {} }] });
    expect(s.tests[0]).toMatchObject({ timeoutSeconds: 900, intervalSeconds: 3600 });
  });
  test('the revision changes with the content and only with it', () => {
    expect(serviceOf().revision).toBe(serviceOf().revision);
    expect(serviceOf({ command: 'other' }).revision).not.toBe(serviceOf().revision);
  });
});

describe('condition errors point inside the expression', () => {
  const withCondition = (condition: string) =>
    `slivka-version: "0.8"\nname: C\nparameters:\n  n:\n    name: N\n    type: int\n    condition: ${condition}\ncommand: x\nargs: {}\noutputs: {}\nexecution: {runners: {default: {type: local}}}\n`;
  test.each([
    ['self > zz', 7, 23],
    ["'self > zz'", 7, 24],
    ['"self >= 1 and zz"', 7, 31],
    // An escape before the error would shift columns: the value's start is reported instead.
    ['"\\u0073elf > zz"', 7, 16],
  ])('%s', (condition, line, column) => {
    const error = problem(() => loadServiceText(withCondition(condition), 'cond'));
    expect(error.reason).toMatch(/unknown identifier 'zz'/);
    expect([error.line, error.column]).toEqual([line, column]);
  });
});

describe('runner parameters', () => {
  const withRunner = (runner: Record<string, unknown>) =>
    serviceOf({ execution: { runners: { default: runner } } });
  test("slivka's arguments load: qargs and sbatchargs as a string or a list", () => {
    expect(
      withRunner({ type: 'GridEngineRunner', parameters: { qargs: '-q debug' } }).warnings,
    ).toEqual([]);
    expect(
      withRunner({ type: 'SlurmRunner', parameters: { sbatchargs: ['--mem=1G', '-p', 'short'] } })
        .warnings,
    ).toEqual([]);
  });
  test('a wrong value type is an error', () => {
    const error = problem(() => withRunner({ type: 'SlurmRunner', parameters: { sbatchargs: 5 } }));
    expect(error.key).toBe('execution/runners/default/parameters/sbatchargs');
    expect(error.reason).toBe("expected a string or a list of strings for 'sbatchargs'");
  });
  test('an unknown argument of a runner is an error (a misspelt key would drop its options)', () => {
    const error = problem(() =>
      withRunner({ type: 'SlurmRunner', parameters: { sbatch_args: '-p x' } }),
    );
    expect(error.key).toBe('execution/runners/default/parameters/sbatch_args');
    expect(error.reason).toBe(
      "'sbatch_args' is not a SlurmRunner parameter; SlurmRunner takes: sbatchargs",
    );
    // Damson's short names are checked the same way.
    expect(
      problem(() => withRunner({ type: 'gridengine', parameters: { qarg: '-q x' } })).reason,
    ).toBe("'qarg' is not a gridengine parameter; gridengine takes: qargs");
  });
  test('sbatchargs and qargs are split as the agent will: bad quoting is an error', () => {
    const error = problem(() =>
      withRunner({
        type: 'SlurmRunner',
        parameters: { sbatchargs: "--partition='short --mem=1G" },
      }),
    );
    expect(error.key).toBe('execution/runners/default/parameters/sbatchargs');
    expect(error.reason).toMatch(/^unterminated single quote in/);
    expect(
      problem(() => withRunner({ type: 'gridengine', parameters: { qargs: '-q "all.q' } })).reason,
    ).toMatch(/^unterminated double quote/);
  });
});

describe('environment references in command and args', () => {
  test('a $NAME the job environment lacks is a warning; $$NAME and configured names are not', () => {
    const s = serviceOf({
      command: ['sh', '-c', 'echo $SLURM_JOB_ID $$SLURM_JOB_ID ${TOOLS} $DAMSON_HOME $value'],
      args: { threads: { arg: '-t ${THREADS} $(value)' } },
      parameters: { threads: { name: 'T', type: 'int' } },
      env: { TOOLS: '/opt/tools' },
      execution: {
        runners: {
          default: { type: 'local', env: { THREADS: '2' } },
          cluster: { type: 'slurm' },
        },
      },
    });
    expect(s.warnings.map((w) => [w.key, w.reason])).toEqual([
      [
        'command/2',
        "'$SLURM_JOB_ID' is not in the job's environment (runner default, cluster): it becomes empty; define it in 'env', or write '$$SLURM_JOB_ID' for the job's shell",
      ],
      [
        'args/threads/arg',
        "'$THREADS' is not in the job's environment (runner cluster): it becomes empty; define it in 'env', or write '$$THREADS' for the job's shell",
      ],
    ]);
  });
});

describe('likely typos between parameters and args are warnings', () => {
  test('an argument that can never get a value, and a parameter that never reaches the command', () => {
    const s = serviceOf({
      parameters: { 'input-file': { name: 'In', type: 'file' } },
      args: {
        inputfile: { arg: '--in $(value)' },
        fixed: { arg: '--fixed' },
        threads: { arg: '-t $(value)' },
        out: { arg: '-o $(value)', default: 'out.txt' },
      },
      execution: { runners: { default: { type: 'local', consts: { threads: '2' } } } },
    });
    expect(s.warnings.map((w) => [w.key, w.reason])).toEqual([
      [
        'args/inputfile',
        "argument 'inputfile' has no parameter of that id, no default and no runner constant, so it is never used (parameters: input-file)",
      ],
      [
        'parameters/input-file',
        "parameter 'input-file' has no argument of that id in 'args', so its value never reaches the command",
      ],
    ]);
  });
});
