import { problem } from '../helpers/config-problem';
import { loadServiceText, serviceOf } from '../helpers/service-definition';

// Errors and warnings about what a service file says, pointing at where it says it.

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
