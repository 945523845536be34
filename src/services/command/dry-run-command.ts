import type { InputValue, Job } from '../../jobs';
import { commandSizeErrors } from './command-limits';
import { buildCommand, type HostEnvironment, type SymlinkSpec } from './build-command';
import type { FieldError } from '../form/field-error';
import { jobInputs } from '../form/job-inputs';
import { validateSubmission, type FileResolver, type Submission } from '../form/form';
import type { RunnerSpec, Service } from '../service';

/** How the scheduler picks a job's runner (its `selectRunner`), passed in to keep layers apart. */
export type RunnerSelection = (
  service: Service,
  job: Pick<Job, 'inputs' | 'parameters'>,
) => Promise<
  { kind: 'runner'; runner: RunnerSpec } | { kind: 'rejected' | 'error'; reason: string }
>;

export interface DryRunFile {
  parameter: string;
  /** The upload id or `jobId/path` of a referenced file; null for a file sent with the request. */
  id: string | null;
  path: string;
}

export type DryRunOutcome =
  | { ok: false; errors: FieldError[] }
  | {
      ok: true;
      /** Client form of the values, as the job resource would show them. */
      parameters: Record<string, InputValue>;
      /** The runner the scheduler would pick; null (with `rejection`) when it would pick none. */
      runner: string | null;
      rejection: string | null;
      argv: string[] | null;
      env: Record<string, string> | null;
      links: SymlinkSpec[];
      files: DryRunFile[];
    };

/**
 * What a submission would run, without creating anything: it is validated exactly as a
 * submission is, then the command is built as the scheduler builds it at dispatch (same runner
 * choice, same `buildCommand`). `newUploadPath` names a file sent with the request, which has no
 * upload id yet (without it, the file's own path is used).
 */
export async function dryRunCommand(
  service: Service,
  submission: Submission,
  resolver: FileResolver,
  host: HostEnvironment,
  selectRunner: RunnerSelection,
  newUploadPath?: (parameter: string, index: number) => string,
): Promise<DryRunOutcome> {
  const result = await validateSubmission(service, submission, resolver);
  if (!result.ok) return result;
  const files: DryRunFile[] = [];
  for (const p of service.parameters) {
    const value = result.values[p.id] ?? null;
    const items = Array.isArray(value) ? value : [value];
    items.forEach((item, index) => {
      if (typeof item !== 'object' || item === null) return;
      if (item.upload !== null && newUploadPath) item.path = newUploadPath(p.id, index);
      files.push({ parameter: p.id, id: item.id, path: item.path });
    });
  }
  const { inputs, parameters } = jobInputs(service, result.values, result.defaulted);
  const tooLong = commandSizeErrors(service, inputs);
  if (tooLong.length > 0) return { ok: false, errors: tooLong };
  const selection = await selectRunner(service, { inputs, parameters });
  const base = { ok: true as const, parameters, files };
  if (selection.kind !== 'runner') {
    return { ...base, runner: null, rejection: selection.reason, argv: null, env: null, links: [] };
  }
  const { argv, env, links } = buildCommand(service, selection.runner, inputs, host);
  return { ...base, runner: selection.runner.id, rejection: null, argv, env, links };
}
