import path from 'node:path';
import { selectRunner } from '../../src/scheduler/select-runner';
import { buildCommand } from '../../src/services/command/build-command';
import { loadServiceDirectory } from '../../src/services/service-catalog';
import type { Service } from '../../src/services/service';

const DIR = path.resolve(__dirname, '../fixtures/services/complete');
const { services, errors } = loadServiceDirectory(DIR);
const byId = Object.fromEntries(services.map((s) => [s.id, s])) as Record<string, Service>;

type Raw = Record<string, unknown>;
const entries = (value: unknown): [string, Raw][] =>
  Object.entries((value ?? {}) as Record<string, Raw>);

/** Every key used anywhere in the collection, as `section.key`, and every parameter type. */
function keysUsed(): Set<string> {
  const used = new Set<string>();
  for (const s of services) {
    const d = s.definition;
    for (const key of Object.keys(d)) used.add(key);
    for (const [, p] of entries(d.parameters)) {
      for (const key of Object.keys(p)) used.add(`parameter.${key}`);
      used.add(`type.${String(p.type)}`);
    }
    for (const [, a] of entries(d.args)) for (const key of Object.keys(a)) used.add(`arg.${key}`);
    for (const [, o] of entries(d.outputs))
      for (const key of Object.keys(o)) used.add(`output.${key}`);
    const execution = d.execution as Raw;
    for (const key of Object.keys(execution)) used.add(`execution.${key}`);
    for (const [, r] of entries(execution.runners))
      for (const key of Object.keys(r)) used.add(`runner.${key}`);
    for (const t of (d.tests ?? []) as Raw[])
      for (const key of Object.keys(t)) used.add(`test.${key}`);
    if (typeof d.command === 'string') used.add('command.string');
    if (Array.isArray(d.command)) used.add('command.list');
  }
  return used;
}

test('the collection loads without errors or warnings', () => {
  expect(errors).toEqual([]);
  expect(services.map((s) => s.id)).toEqual([
    'all-parameters',
    'commands',
    'included',
    'module-selector',
  ]);
  expect(services.flatMap((s) => s.warnings)).toEqual([]);
});

test('it uses every key of the service format', () => {
  const expected = [
    ...['slivka-version', 'name', 'description', 'author', 'version', 'license', 'classifiers'],
    ...['parameters', 'command', 'args', 'env', 'outputs', 'execution', 'tests'],
    ...['name', 'description', 'type', 'default', 'required', 'condition'].map(
      (k) => `parameter.${k}`,
    ),
    ...['min', 'max', 'min-exclusive', 'max-exclusive', 'min-length', 'max-length', 'choices'].map(
      (k) => `parameter.${k}`,
    ),
    ...['media-type', 'media-type-parameters', 'extensions', 'pattern'].map(
      (k) => `parameter.${k}`,
    ),
    ...[
      'integer',
      'int',
      'decimal',
      'float',
      'text',
      'string',
      'flag',
      'boolean',
      'choice',
      'file',
    ].map((t) => `type.${t}`),
    ...['integer[]', 'decimal[]', 'text[]', 'flag[]', 'choice[]', 'file[]'].map((t) => `type.${t}`),
    ...['arg', 'symlink', 'join', 'default'].map((k) => `arg.${k}`),
    ...['path', 'name', 'media-type'].map((k) => `output.${k}`),
    'execution.runners',
    'execution.selector',
    ...['type', 'parameters', 'consts', 'env', 'selector-options'].map((k) => `runner.${k}`),
    ...['applicable-runners', 'parameters', 'timeout', 'interval'].map((k) => `test.${k}`),
    'command.string',
    'command.list',
  ];
  const used = keysUsed();
  expect(expected.filter((key) => !used.has(key))).toEqual([]);
});

test('includes, selectors and commands behave as written', async () => {
  const included = byId.included;
  expect(included.runners.map((r) => [r.id, r.type, r.consts.threads])).toEqual([
    ['default', 'SlivkaQueueRunner', '1'],
    ['slurm', 'SlurmRunner', '8'],
  ]);
  expect(included.tests[0].applicableRunners).toEqual(['default', 'slurm']);
  expect(included.runners[1].selectorOptions).toEqual({ max_inputs: 1000 });

  const modular = byId['module-selector'];
  const pick = async (size: string) => {
    const selection = await selectRunner(modular, { inputs: { size }, parameters: { size } });
    return selection.kind === 'runner' ? selection.runner.id : selection.kind;
  };
  expect([await pick('100'), await pick('101')]).toEqual(['small', 'large']);

  const commands = byId.commands;
  const grid = commands.runners.find((r) => r.id === 'grid');
  if (!grid) throw new Error('no grid runner');
  const built = buildCommand(
    commands,
    grid,
    { input: '/up/a', inputs: ['/up/b', '/up/c'], level: '7', names: ['x', 'y'] },
    { processEnv: { PATH: '/bin' }, home: '/proj' },
  );
  expect(built.argv).toEqual([
    'python3',
    '/proj/tools/run.py',
    '--home',
    '/proj',
    '--input=input.txt',
    'more.0000:more.0001',
    '-l',
    '7',
    '--name',
    'x',
    '--name',
    'y',
    '--threads=16',
    '--out=result.txt',
  ]);
  expect(built.env).toEqual({
    PATH: '/proj/bin:/bin',
    DAMSON_HOME: '/proj',
    SLIVKA_HOME: '/proj',
    TOOLS: '/proj/tools',
    LANG: 'C.UTF-8',
    SGE_ROOT: '/opt/sge',
  });
  const choose = async (parameters: Record<string, string | string[] | null>) => {
    const selection = await selectRunner(commands, { inputs: parameters, parameters });
    return selection.kind === 'runner' ? selection.runner.id : selection.kind;
  };
  expect(await choose({ level: '7', inputs: ['a', 'b', 'c'] })).toBe('grid');
  expect(await choose({ level: '7', inputs: ['a'], names: ['n'] })).toBe('queue');
  expect(await choose({ level: '1' })).toBe('default');
});
