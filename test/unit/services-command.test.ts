import { spawnSync } from 'node:child_process';
import { INJECTION_PAYLOADS } from '../fixtures/injection-payloads';
import { buildCommand, jobEnvironment } from '../../src/services/command/build-command';
import type { JobInputs } from '../../src/jobs';
import { serviceOf } from '../helpers/service-definition';

const HOME = '/srv/project';
const HOST = {
  processEnv: {
    PATH: '/usr/bin:/bin',
    VAR: 'VAR_VALUE',
    GLOBAL: 'global',
    BIN_PATH: '/usr/local/bin',
  },
  home: HOME,
};

interface ArgSpec {
  arg: string;
  symlink?: string;
  join?: string;
  default?: string;
}

/** argv after the base command `example`, for one `input` argument (slivka's test fixture). */
function argsFor(
  arg: ArgSpec,
  value: string | string[] | null,
  options: { consts?: Record<string, string>; env?: Record<string, string> } = {},
) {
  const service = serviceOf({
    args: { input: arg },
    env: options.env ?? { EXAMPLE: 'example.bin' },
    execution: { runners: { default: { type: 'ShellRunner', consts: options.consts ?? {} } } },
  });
  const built = buildCommand(service, service.runners[0], { input: value }, HOST);
  expect(built.argv[0]).toBe('example');
  return { argv: built.argv.slice(1), links: built.links, env: built.env };
}

// The values of slivka's test_base_runner.py interpolation tables.
const PLAIN_VALUES = [
  'val',
  'my value',
  '"my value"',
  '',
  'my "special" value',
  "my 'special' value",
  '$SLIVKA_HOME',
  '$MY_VAR',
  '~',
  '${HOME}',
];

describe('slivka argument interpolation cases', () => {
  test.each(PLAIN_VALUES)('$(value) with %j stays one argv element', (value) => {
    expect(argsFor({ arg: '$(value)' }, value).argv).toEqual([value]);
  });
  test.each(PLAIN_VALUES)('--option=$(value) with %j', (value) => {
    expect(argsFor({ arg: '--option=$(value)' }, value).argv).toEqual([`--option=${value}`]);
  });
  test.each(PLAIN_VALUES)('--option $(value) with %j', (value) => {
    expect(argsFor({ arg: '--option $(value)' }, value).argv).toEqual(['--option', value]);
  });
  test.each([
    ["'--option $(value)'", 'val', ['--option val']],
    ["'--option $(value)'", 'my value', ['--option my value']],
    ["'--option $(value)'", "'my value'", ["--option 'my value'"]],
    ['"--option $(value)"', 'val', ['--option val']],
    ['"--option $(value)"', 'my value', ['--option my value']],
    ['"--option $(value)"', "'my value'", ["--option 'my value'"]],
  ])('quoted template %s with %j groups one word', (template, value, expected) => {
    expect(argsFor({ arg: template }, value).argv).toEqual(expected);
  });
  test.each([
    ['true', ['--option']],
    [null, []],
  ])('flag template with %j', (value, expected) => {
    expect(argsFor({ arg: '--option' }, value).argv).toEqual(expected);
  });
  test.each([
    ['foo', ['-vfoo']],
    ['', ['-v']],
    [null, ['-vdefvalue']],
  ])('default present, value %j', (value, expected) => {
    expect(argsFor({ arg: '-v$(value)', default: 'defvalue' }, value).argv).toEqual(expected);
  });
  test('an environment reference in a template comes from the configured env', () => {
    expect(argsFor({ arg: '--bin=$EXAMPLE' }, 'true').argv).toEqual(['--bin=example.bin']);
    expect(argsFor({ arg: '--home=$SLIVKA_HOME' }, 'true').argv).toEqual([`--home=${HOME}`]);
    expect(argsFor({ arg: '--home=${DAMSON_HOME}' }, 'true').argv).toEqual([`--home=${HOME}`]);
  });
  test('unlike slivka, a host variable not passed through env is not visible to templates', () => {
    // slivka expanded against the scheduler's whole environment; Damson only against `env`.
    expect(argsFor({ arg: '--env=$VAR' }, 'true').argv).toEqual(['--env=']);
    expect(argsFor({ arg: '--env=$VAR' }, 'true', { env: { VAR: '${VAR}' } }).argv).toEqual([
      '--env=VAR_VALUE',
    ]);
  });
  test('$$ is a literal dollar', () => {
    expect(argsFor({ arg: '--price=$$5' }, 'x').argv).toEqual(['--price=$5']);
  });
  test.each([
    ['input.in', ['input.in']],
    ['/uploads/file.txt', ['input.in']],
    [null, []],
  ])('symlink, value %j', (value, expected) => {
    const { argv, links } = argsFor({ arg: '$(value)', symlink: 'input.in' }, value);
    expect(argv).toEqual(expected);
    expect(links).toEqual(value === null ? [] : [{ name: 'input.in', target: value }]);
  });
  test('multiple values repeat the template', () => {
    expect(argsFor({ arg: '$(value)' }, ['a', 'b', 'c', 'd']).argv).toEqual(['a', 'b', 'c', 'd']);
    expect(argsFor({ arg: '-m=$(value)' }, ['a', 'b', 'c']).argv).toEqual(['-m=a', '-m=b', '-m=c']);
    expect(argsFor({ arg: '-m $(value)' }, ['a', 'b']).argv).toEqual(['-m', 'a', '-m', 'b']);
  });
  test('multiple values joined with a character or a space are one element', () => {
    expect(argsFor({ arg: '-m=$(value)', join: ',' }, ['a', 'b', 'c']).argv).toEqual(['-m=a,b,c']);
    expect(argsFor({ arg: '-m $(value)', join: ' ' }, ['a', 'b', 'c']).argv).toEqual([
      '-m',
      'a b c',
    ]);
  });
  test('symlinked arrays are numbered, then joined if asked', () => {
    const { argv, links } = argsFor({ arg: '$(value)', symlink: 'in.fa' }, ['/a', '/b']);
    expect(argv).toEqual(['in.fa.0000', 'in.fa.0001']);
    expect(links).toEqual([
      { name: 'in.fa.0000', target: '/a' },
      { name: 'in.fa.0001', target: '/b' },
    ]);
    const joined = argsFor({ arg: '--in=$(value)', symlink: 'x', join: ',' }, ['/a', '/b']);
    expect(joined.argv).toEqual(['--in=x.0000,x.0001']);
  });
  test.each([
    [{ arg: '-a=$(value)' }, { input: 'const-val' }, ['-a=const-val']],
    [{ arg: '-a=$(value)' }, {}, []],
    [{ arg: '-a=$(value)', default: 'def-value' }, { input: 'const-val' }, ['-a=const-val']],
  ])('runner consts replace the default: %j %j', (arg, consts, expected) => {
    expect(argsFor(arg, null, { consts }).argv).toEqual(expected);
  });
  test('${value} and $value mean the same as $(value)', () => {
    expect(argsFor({ arg: '--a=${value}' }, 'x y').argv).toEqual(['--a=x y']);
    expect(argsFor({ arg: '--a=$value' }, 'x y').argv).toEqual(['--a=x y']);
    expect(argsFor({ arg: '--a=$values' }, 'x').argv).toEqual(['--a=']);
  });
});

describe('several arguments in YAML order', () => {
  const service = serviceOf({
    args: {
      opt0: { arg: '-i $(value)' },
      opt1: { arg: '-o $(value)' },
      opt2: { arg: '-a $(value)' },
      flag0: { arg: '--flag' },
      arg0: { arg: '$(value)' },
      const0: { arg: '$(value)', default: 'out.txt' },
    },
  });
  test.each<[JobInputs, string[]]>([
    [{}, ['example', 'out.txt']],
    [
      { opt0: 'inp', arg0: 'argv', flag0: 'true' },
      ['example', '-i', 'inp', '--flag', 'argv', 'out.txt'],
    ],
    [
      { opt0: 'inp', opt1: 'out', opt2: 'app', flag0: 'true', arg0: 'argv' },
      ['example', '-i', 'inp', '-o', 'out', '-a', 'app', '--flag', 'argv', 'out.txt'],
    ],
  ])('%j', (inputs, expected) => {
    expect(buildCommand(service, service.runners[0], inputs, HOST).argv).toEqual(expected);
  });
});

describe('the base command', () => {
  test('a string is split then expanded, so a variable holding spaces stays one word', () => {
    const service = serviceOf({
      command: "python3 '${TOOL_DIR}/my tool.py' $FLAGS",
      env: { TOOL_DIR: '/opt/tools', FLAGS: '-a -b' },
    });
    expect(buildCommand(service, service.runners[0], {}, HOST).argv).toEqual([
      'python3',
      '/opt/tools/my tool.py',
      '-a -b',
    ]);
  });
  test('a list is used as written, each item expanded', () => {
    const service = serviceOf({ command: ['node', '${DAMSON_HOME}/x.js', 'a b'] });
    expect(buildCommand(service, service.runners[0], {}, HOST).argv).toEqual([
      'node',
      `${HOME}/x.js`,
      'a b',
    ]);
  });
});

describe('the job environment (slivka TestEnvVariables)', () => {
  const envOf = (env: Record<string, string>, runnerEnv: Record<string, string> = {}) => {
    const service = serviceOf({
      env,
      execution: { runners: { default: { type: 'ShellRunner', env: runnerEnv } } },
    });
    return jobEnvironment(service, service.runners[0], HOST);
  };
  test('holds PATH, SLIVKA_HOME and DAMSON_HOME and nothing else from the host', () => {
    expect(envOf({})).toEqual({ PATH: '/usr/bin:/bin', SLIVKA_HOME: HOME, DAMSON_HOME: HOME });
  });
  test('values refer to the host environment', () => {
    expect(envOf({ COMMAND: '$BIN_PATH/program' }).COMMAND).toBe('/usr/local/bin/program');
  });
  test.each([[{ VAR: '$MISSING' }], [{ VAR: '$VAR_B', VAR_B: 'value' }]])(
    'a missing or sibling reference is empty: %j',
    (env) => {
      expect(envOf(env).VAR).toBe('');
    },
  );
  test.each([
    [{}, undefined, undefined],
    [{ GLOBAL: 'local' }, 'local', undefined],
    [{ GLOBAL: 'local', REF: '$GLOBAL' }, 'local', 'global'],
  ])('overriding a host variable: %j', (env, global, ref) => {
    const result = envOf(env);
    expect(result.GLOBAL).toBe(global);
    expect(result.REF).toBe(ref);
  });
  test('the runner env wins over the service env', () => {
    expect(envOf({ A: 'service', B: 'b' }, { A: 'runner' })).toMatchObject({ A: 'runner', B: 'b' });
  });
  test('PATH can be extended', () => {
    expect(envOf({ PATH: '${SLIVKA_HOME}/bin:${PATH}' }).PATH).toBe(`${HOME}/bin:/usr/bin:/bin`);
  });
});

// Shell metacharacters reach the tool as bytes, and a value is never re-interpolated.
describe('injection payloads (argv only, values inserted last and never re-scanned)', () => {
  const service = serviceOf({
    parameters: { name: { name: 'Name', type: 'text' }, other: { name: 'Other', type: 'text' } },
    args: { name: { arg: '--name=$(value)' }, other: { arg: '$(value)' } },
    env: { SECRET_KEY: 'do-not-leak' },
  });
  test('there are at least 40 payloads', () => {
    expect(INJECTION_PAYLOADS.length).toBeGreaterThanOrEqual(40);
  });
  test.each(INJECTION_PAYLOADS)('%j arrives byte for byte as one element', (payload) => {
    const argv = buildCommand(
      service,
      service.runners[0],
      { name: payload, other: payload },
      HOST,
    ).argv;
    expect(argv).toEqual(['example', `--name=${payload}`, payload]);
  });
  test('a real process receives every payload unchanged (no shell in between)', () => {
    const argv = buildCommand(
      serviceOf({
        command: [
          process.execPath,
          '-e',
          'process.stdout.write(JSON.stringify(process.argv.slice(1)))',
          '--',
        ],
        args: { name: { arg: '--name=$(value)' } },
      }),
      serviceOf().runners[0],
      { name: INJECTION_PAYLOADS },
      HOST,
    ).argv;
    const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', cwd: '/tmp' });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(INJECTION_PAYLOADS.map((p) => `--name=${p}`));
  });
});
