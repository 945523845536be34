import path from 'node:path';
import type { InputValue, Job, JobInputs, PipelineStep } from '../jobs';
import { confinedFile, globToRegExp, walkFiles } from '../services/output-files';
import type { Service } from '../services/service';

/** An upstream output, resolved: where the tool reads it, and its id as clients see it. */
interface ResolvedOutput {
  path: string;
  id: string;
}

export type StepInputs =
  { ok: true; inputs: JobInputs; parameters: JobInputs } | { ok: false; reason: string };

/** The files of output `output` of `job`, confined to its directory (symlinks are refused). */
async function outputFiles(
  jobsDirectory: string,
  job: Job,
  service: Service | undefined,
  output: string,
): Promise<ResolvedOutput[] | null> {
  const spec = service?.outputs.find((o) => o.id === output);
  if (!spec) return null;
  const root = path.join(jobsDirectory, job.workDir);
  const files: ResolvedOutput[] = [];
  const matches = globToRegExp(spec.path);
  for (const file of (await walkFiles(root)).filter((f) => matches.test(f))) {
    const real = await confinedFile(root, file);
    if (real) files.push({ path: real, id: `${job.id}/${file}` });
  }
  return files;
}

function substitute(value: InputValue, token: string, replacement: string[]): InputValue {
  if (Array.isArray(value)) {
    const items = value.flatMap((v) => (v === token ? replacement : [v]));
    return items.length ? items : null;
  }
  return value === token ? (replacement[0] ?? null) : value;
}

/**
 * The step's inputs and parameters with each stand-in token replaced by the files its upstream
 * output holds now: absolute paths for the command, `<jobId>/<path>` ids for clients. A single-file
 * parameter given several files, or a required one given none, cannot run.
 */
export async function resolveStepInputs(
  job: Job,
  step: PipelineStep,
  service: Service | undefined,
  upstream: (stepName: string) => { job: Job; service: Service | undefined } | undefined,
  jobsDirectory: string,
): Promise<StepInputs> {
  const inputs: JobInputs = { ...job.inputs };
  const parameters: JobInputs = { ...job.parameters };
  for (const ref of step.references) {
    const source = upstream(ref.from);
    const files = source
      ? await outputFiles(jobsDirectory, source.job, source.service, ref.output)
      : null;
    const what = `output '${ref.output}' of pipeline step '${ref.from}'`;
    if (!files) return { ok: false, reason: `${what} is no longer known` };
    const parameter = service?.parameters.find((p) => p.id === ref.parameter);
    if (!parameter?.array && files.length > 1)
      return {
        ok: false,
        reason: `${what} matched ${files.length} files; '${ref.parameter}' takes one`,
      };
    if (files.length === 0 && parameter?.required)
      return { ok: false, reason: `${what} matched no file; '${ref.parameter}' is required` };
    const own = Object.hasOwn(inputs, ref.parameter) ? inputs[ref.parameter] : null;
    const shown = Object.hasOwn(parameters, ref.parameter) ? parameters[ref.parameter] : null;
    inputs[ref.parameter] = substitute(
      own,
      ref.token,
      files.map((f) => f.path),
    );
    parameters[ref.parameter] = substitute(
      shown,
      ref.token,
      files.map((f) => f.id),
    );
  }
  return { ok: true, inputs, parameters };
}
