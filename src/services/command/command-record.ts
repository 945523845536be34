import { commandRecord, type CommandRecord, type JobInputs } from '../../jobs';
import type { RunnerSpec, Service } from '../service';
import { buildCommand, type HostEnvironment } from './build-command';

/**
 * The argv and environment names a job of `service` on `runner` with `inputs` runs with: what the
 * scheduler dispatches and the agent records in the job directory (also for a dry run).
 */
export function buildCommandRecord(
  service: Service,
  runner: RunnerSpec,
  inputs: JobInputs,
  host: HostEnvironment,
): CommandRecord {
  const { argv, env } = buildCommand(service, runner, inputs, host);
  return commandRecord(argv, env);
}
