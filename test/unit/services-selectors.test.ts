import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JobInputs } from '../../src/jobs';
import { selectRunner } from '../../src/scheduler/select-runner';
import type { Service } from '../../src/services/service';
import { loadServiceText } from '../helpers/service-definition';

const project = mkdtempSync(path.join(tmpdir(), 'damson-selectors-'));
const servicesDir = path.join(project, 'services');
mkdirSync(servicesDir);

const PARAMETERS = `
parameters:
  size:
    name: Size
    type: integer
    required: no
  mode:
    name: Mode
    type: choice
    required: no
    choices: {fast: --fast, slow: --slow}
  seqs:
    name: Sequences
    type: text[]
    required: no
command: tool
args:
  size: {arg: "--size=$(value)"}
  mode: {arg: "$(value)"}
  seqs: {arg: "$(value)"}
outputs: {log: {path: stdout}}
`;

function service(execution: string, id = 'sel'): Service {
  return loadServiceText(
    `slivka-version: "0.8.3"\nname: Selector test\n${PARAMETERS}execution:\n${execution}`,
    id,
    servicesDir,
  );
}

const RUNNERS = `  runners:
    local: {type: ShellRunner, selector-options: {maxSize: 100}}
    cluster: {type: SlurmRunner, selector-options: {maxSize: 100000, queue: long}}
`;

const job = (parameters: JobInputs, inputs: JobInputs = parameters) => ({ parameters, inputs });
const chosen = async (s: Service, parameters: JobInputs, inputs?: JobInputs) => {
  const selection = await selectRunner(s, job(parameters, inputs));
  return selection.kind === 'runner' ? selection.runner.id : selection;
};

describe('default selector', () => {
  test('picks the runner named default', async () => {
    const s = service(
      `  runners:\n    other: {type: ShellRunner}\n    default: {type: ShellRunner}\n`,
    );
    expect(await chosen(s, {})).toBe('default');
  });
  test('without a default runner, picks the first instead of failing every job', async () => {
    expect(await chosen(service(RUNNERS), {})).toBe('local');
  });
});

describe('declarative rules', () => {
  const s = service(
    RUNNERS +
      `  selector:
    rules:
      - when: "size > 1000 or #seqs >= 3"
        runner: cluster
      - when: mode == "slow"
        runner: cluster
    default: local
`,
  );
  test.each<[JobInputs, string]>([
    [{ size: '5000' }, 'cluster'],
    [{ size: '10' }, 'local'],
    [{ seqs: ['a', 'b', 'c'] }, 'cluster'],
    [{ seqs: ['a'] }, 'local'],
    // Rules see choice keys, not the command-line values.
    [{ mode: 'slow' }, 'cluster'],
    [{ mode: 'fast', size: null }, 'local'],
    [{}, 'local'],
  ])('%j → %s', async (parameters, runner) => {
    expect(await chosen(s, parameters)).toBe(runner);
  });
  test('a null default rejects jobs no rule takes', async () => {
    const strict = service(
      RUNNERS +
        `  selector:\n    rules:\n      - {when: "size > 10", runner: local}\n    default: null\n`,
    );
    expect(await chosen(strict, { size: '11' })).toBe('local');
    expect(await chosen(strict, { size: '3' })).toEqual({
      kind: 'rejected',
      reason: 'the selector accepts no runner for this job',
    });
  });
  test('rules are checked when the file loads', () => {
    expect(() =>
      service(RUNNERS + `  selector:\n    rules:\n      - {when: "sise > 10", runner: local}\n`),
    ).toThrow(/selector\/rules\/0\/when.*unknown identifier 'sise'/);
  });
});

describe('JavaScript module selectors', () => {
  writeFileSync(
    path.join(servicesDir, 'pick.js'),
    `module.exports = function pick(inputs, context) {
       if (inputs.size === 'throw') throw new Error('bad day');
       if (inputs.size === 'none') return null;
       if (inputs.size === 'nowhere') return 'mars';
       const big = Number(inputs.size) > context.runnerOptions.local.maxSize;
       return big ? context.runners[1] : context.runners[0];
     };
     module.exports.byQueue = async (inputs, context) =>
       context.runnerOptions.cluster.queue === 'long' && context.service === 'sel' ? 'cluster' : 'local';`,
  );
  const s = service(`${RUNNERS}  selector: ./pick.js\n`);
  test('get the stored inputs and a context with selector-options', async () => {
    expect(await chosen(s, { size: '50' })).toBe('local');
    expect(await chosen(s, { size: '500' })).toBe('cluster');
  });
  test('a named export, which may be async', async () => {
    const named = service(`${RUNNERS}  selector: {module: ./pick.js, function: byQueue}\n`);
    expect(await chosen(named, {})).toBe('cluster');
  });
  test('null rejects; an unknown runner or an exception is an error, never a crash', async () => {
    expect(await chosen(s, { size: 'none' })).toMatchObject({ kind: 'rejected' });
    expect(await chosen(s, { size: 'nowhere' })).toEqual({
      kind: 'error',
      reason: "the selector default() chose 'mars', which is not a runner",
    });
    expect(await chosen(s, { size: 'throw' })).toEqual({
      kind: 'error',
      reason: 'the selector failed: bad day',
    });
  });
  test('a missing module is a load error', () => {
    expect(() => service(`${RUNNERS}  selector: ./missing.js\n`)).toThrow(
      /execution\/selector.*selector module '\.\/missing\.js' not found/,
    );
  });
});

describe("slivka's Python selector names", () => {
  test('run the same name from a JavaScript file at the same place', async () => {
    mkdirSync(path.join(project, 'scripts'), { recursive: true });
    writeFileSync(
      path.join(project, 'scripts', 'selectors.js'),
      `exports.example_selector = () => 'cluster';`,
    );
    const s = service(`${RUNNERS}  selector: scripts.selectors.example_selector\n`);
    expect(s.warnings).toEqual([]);
    expect(await chosen(s, {})).toBe('cluster');
  });
  test('without one, load with a warning and use the default selector', async () => {
    const s = service(`${RUNNERS}  selector: scripts.elsewhere.pick\n`);
    expect(s.warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(
        /sel\.service\.yaml:\d+:\d+: at 'execution\/selector': the Python selector 'scripts\.elsewhere\.pick' cannot run/,
      ),
    ]);
    expect(await chosen(s, {})).toBe('local');
  });
});
