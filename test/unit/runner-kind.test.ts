import {
  CLUSTER_KINDS,
  RUNNER_KINDS,
  SUPPORTED_RUNNER_TYPES,
  isRunnerKind,
  runnerKind,
} from '../../src/jobs/runner-kind';
import { SUPPORTED_RUNNERS } from '../../src/services/runner-types';

describe('the runner kind registry', () => {
  it("maps slivka's runner classes and the short names to their agent kind", () => {
    expect(runnerKind('ShellRunner')).toBe('local');
    expect(runnerKind('SlivkaQueueRunner')).toBe('local');
    expect(runnerKind('SlurmRunner')).toBe('slurm');
    expect(runnerKind('GridEngineRunner')).toBe('gridengine');
    for (const kind of RUNNER_KINDS) expect(runnerKind(kind)).toBe(kind);
  });

  it('is the one list the schema and the agents use', () => {
    expect([...SUPPORTED_RUNNERS].sort()).toEqual([...SUPPORTED_RUNNER_TYPES].sort());
    expect(CLUSTER_KINDS).toEqual(['slurm', 'gridengine']);
  });

  it('knows no kind for names an object inherits or a service file invents', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'LSFRunner', 'Local', ''])
      expect(runnerKind(name)).toBeUndefined();
    expect(isRunnerKind('constructor')).toBe(false);
    expect(isRunnerKind('slurm')).toBe(true);
  });
});
