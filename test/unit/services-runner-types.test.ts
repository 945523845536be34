import { canonicalRunnerType, unrunnableReason } from '../../src/services/runner-types';
import { serviceOf } from '../helpers/service-definition';

describe("slivka's runner classes written as Python paths", () => {
  test.each([
    ['slivka.scheduler.runners.ShellRunner', 'ShellRunner'],
    ['slivka.scheduler.runners.shell.ShellRunner', 'ShellRunner'],
    ['slivka.scheduler.runners.slurm.SlurmRunner', 'SlurmRunner'],
    ['slivka.scheduler.runners.grid_engine.GridEngineRunner', 'GridEngineRunner'],
    ['slivka.scheduler.runners.slivka_queue.SlivkaQueueRunner', 'SlivkaQueueRunner'],
    ['slivka.scheduler.runners.lsf.LSFRunner', 'LSFRunner'],
    ['slivka.scheduler.runners.Runner', 'slivka.scheduler.runners.Runner'],
    ['jpred.runners.JPredRunner', 'jpred.runners.JPredRunner'],
  ])('%s is %s', (type, expected) => {
    expect(canonicalRunnerType(type)).toBe(expected);
  });

  test('a mapped built-in loads without a warning and runs on its agent', () => {
    const s = serviceOf({
      execution: { runners: { default: { type: 'slivka.scheduler.runners.shell.ShellRunner' } } },
    });
    expect(s.warnings).toEqual([]);
    expect(s.runners[0].type).toBe('ShellRunner');
    expect(unrunnableReason(s)).toBeNull();
  });
});

describe('a Python runner class (JPred)', () => {
  const jpred = serviceOf({
    execution: { runners: { default: { type: 'jpred.runners.JPredRunner' } } },
  });

  test('loads with a message naming the class and what to use instead', () => {
    expect(jpred.warnings.map((w) => [w.key, w.reason])).toEqual([
      [
        'execution/runners/default/type',
        expect.stringMatching(
          /^runner type 'jpred\.runners\.JPredRunner' is a Python class, which Damson cannot run; use ShellRunner \(local\), SlurmRunner or GridEngineRunner.*Jobs for runner 'default' are refused/,
        ),
      ],
    ]);
  });

  test('its jobs are refused up front, saying why', () => {
    expect(unrunnableReason(jpred)).toMatch(
      /^Service 'test' cannot run jobs here: its runner 'default' cannot run in Damson \(runner type 'jpred\.runners\.JPredRunner' is a Python class/,
    );
  });

  test('not when the default selector picks a runner Damson has', () => {
    const s = serviceOf({
      execution: {
        runners: { default: { type: 'local' }, big: { type: 'jpred.runners.JPredRunner' } },
      },
    });
    expect(unrunnableReason(s)).toBeNull();
  });

  test('LSF alone is refused too; with a rule selector, only if no runner can run', () => {
    const lsf = serviceOf({ execution: { runners: { default: { type: 'LSFRunner' } } } });
    expect(unrunnableReason(lsf)).toMatch(/runner type 'LSFRunner' has no Damson agent/);
    const rules = serviceOf({
      parameters: { n: { name: 'N', type: 'integer', required: false } },
      execution: {
        runners: { lsf: { type: 'LSFRunner' }, local: { type: 'local' } },
        selector: { rules: [{ when: 'n > 3', runner: 'lsf' }], default: 'local' },
      },
    });
    expect(unrunnableReason(rules)).toBeNull();
  });
});
