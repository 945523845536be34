import { SUPPORTED_RUNNER_TYPES } from '../jobs/runner-kind';
import type { RunnerSpec, Service } from './service';

/** slivka's runner classes, and Damson's short names, that Damson runs (runner-kind.ts). */
export const SUPPORTED_RUNNERS: ReadonlySet<string> = new Set(SUPPORTED_RUNNER_TYPES);

/** slivka's own runner classes; LSFRunner has no Damson agent. */
const SLIVKA_RUNNER_CLASSES = new Set([
  'ShellRunner',
  'SlivkaQueueRunner',
  'SlurmRunner',
  'GridEngineRunner',
  'LSFRunner',
]);

/** `slivka.scheduler.runners.ShellRunner` or `slivka.scheduler.runners.shell.ShellRunner`. */
const SLIVKA_DOTTED = /^slivka\.scheduler\.runners(?:\.[a-z_]+)?\.([A-Za-z]+)$/;

/**
 * A runner type as Damson knows it: slivka's built-in classes written as dotted Python paths
 * are their short names (`slivka.scheduler.runners.slurm.SlurmRunner` is `SlurmRunner`).
 */
export function canonicalRunnerType(type: string): string {
  const match = SLIVKA_DOTTED.exec(type);
  return match && SLIVKA_RUNNER_CLASSES.has(match[1]) ? match[1] : type;
}

/** A dotted Python path to a runner class of the service's own (JPred's, for example). */
export function isPythonRunnerClass(type: string): boolean {
  return !SUPPORTED_RUNNERS.has(type) && /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$/.test(type);
}

/** What to use instead of a runner type Damson cannot run. */
export function runnerAdvice(type: string): string {
  if (isPythonRunnerClass(type)) {
    return (
      `runner type '${type}' is a Python class, which Damson cannot run; use ShellRunner ` +
      '(local), SlurmRunner or GridEngineRunner, and move what the class did into the command ' +
      '(a wrapper script) or the runner parameters'
    );
  }
  return `runner type '${type}' has no Damson agent; use ShellRunner (local), SlurmRunner or GridEngineRunner`;
}

function defaultRunnerOf(service: Service): RunnerSpec | undefined {
  return service.runners.find((r) => r.id === 'default') ?? service.runners[0];
}

/**
 * Why no job of `service` can run, or null when some can: every runner is one Damson cannot
 * run, or the default selector picks such a runner. Submissions are refused with this reason
 * rather than accepted to end in ERROR.
 */
export function unrunnableReason(service: Service): string | null {
  const supported = (r: RunnerSpec): boolean => SUPPORTED_RUNNERS.has(r.type);
  const chosen =
    service.selector.kind === 'default'
      ? [defaultRunnerOf(service)].filter((r): r is RunnerSpec => r !== undefined)
      : service.runners;
  if (chosen.length === 0 || chosen.some(supported)) return null;
  const runner = chosen[0];
  return `Service '${service.id}' cannot run jobs here: its runner '${runner.id}' cannot run in Damson (${runnerAdvice(runner.type)}).`;
}
