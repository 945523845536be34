import { randomBytes } from 'node:crypto';
import {
  jobDirectoryRelative,
  newJobId,
  topologicalOrder,
  type Job,
  type NewJob,
  type Pipeline,
  type PipelineStep,
  type StepReference,
} from '../jobs';
import type { FieldErrorCode } from '../errors';
import { commandSizeErrors } from '../services/command/command-limits';
import type { FileResolver, ResolvedFile } from '../services/form/form';
import { validateSubmission } from '../services/form/form';
import { jobInputs } from '../services/form/job-inputs';
import { unrunnableReason } from '../services/runner-types';
import type { Parameter, Service } from '../services/service';
import type { NewStepJob } from '../store/pipeline-records';
import type { AppContext } from './app-context';
import { StoreFileResolver } from './file-resolver';
import {
  parsePipelineRequest,
  type OutputReference,
  type PipelineError,
  type RequestedStep,
} from './pipeline-request';

export type PipelineOutcome =
  | { kind: 'created'; pipeline: Pipeline; jobs: Job[] }
  | { kind: 'invalid'; errors: PipelineError[] };

/** A step whose values passed: its job, waiting for the references to be resolved. */
interface CheckedStep {
  step: PipelineStep;
  service: Service;
  job: NewJob;
}

/** The metacharacters globToRegExp gives a meaning to. */
const isGlob = (pattern: string): boolean => /[*?[]/.test(pattern);

/** Stand-in file ids for references: known only to this request's resolver. */
class StandInResolver implements FileResolver {
  readonly tokens = new Map<string, ResolvedFile>();
  private readonly nonce = randomBytes(12).toString('base64url');

  constructor(private readonly store: FileResolver) {}

  token(): string {
    const token = `pipeline-input:${this.nonce}:${this.tokens.size}`;
    this.tokens.set(token, { path: token, id: token });
    return token;
  }

  async resolve(ref: string): Promise<ResolvedFile | null> {
    return this.tokens.get(ref) ?? this.store.resolve(ref);
  }
}

function referenceErrors(
  step: RequestedStep,
  parameter: Parameter | undefined,
  name: string,
  refs: OutputReference[],
  plain: number,
  services: ReadonlyMap<string, Service | undefined>,
): PipelineError[] {
  const fail = (errorCode: FieldErrorCode, message: string): PipelineError[] => [
    { step: step.name, parameter: name, errorCode, message },
  ];
  if (!parameter) return fail('unknown_parameter', `The service has no parameter '${name}'.`);
  if (parameter.kind !== 'file')
    return fail('not_a_file', 'Only a file parameter can take another step’s output.');
  if (!parameter.array && refs.length + plain > 1)
    return fail('too_many_values', 'The parameter takes one file.');
  for (const ref of refs) {
    if (ref.from === step.name) return fail('self_reference', 'A step cannot read its own output.');
    if (!services.has(ref.from)) return fail('unknown_step', `There is no step '${ref.from}'.`);
    const source = services.get(ref.from);
    if (!source) continue; // Its own unknown service is reported on that step.
    const output = source.outputs.find((o) => o.id === ref.output);
    if (!output)
      return fail(
        'unknown_output',
        `Service '${source.id}' of step '${ref.from}' has no output '${ref.output}'.`,
      );
    if (isGlob(output.path) && !parameter.array)
      return fail(
        'glob_needs_array',
        `Output '${ref.output}' may match several files; the parameter takes one.`,
      );
    if (parameter.mediaType && output.mediaType && parameter.mediaType !== output.mediaType)
      return fail(
        'media_type_mismatch',
        `Output '${ref.output}' is ${output.mediaType}; the parameter takes ${parameter.mediaType}.`,
      );
  }
  return [];
}

/** Who submits the pipeline: every step is that owner's job (request-owner.ts). */
export interface PipelineSubmitter {
  owner: string | null;
  /** An admin token: with private jobs, may read anyone's files as inputs. */
  admin: boolean;
}

/** One step's values checked as a submission would be, references standing in as files. */
async function checkStep(
  ctx: AppContext,
  step: RequestedStep,
  services: ReadonlyMap<string, Service | undefined>,
  submitter: PipelineSubmitter,
): Promise<CheckedStep | PipelineError[]> {
  const service = services.get(step.name);
  const stepError = (errorCode: FieldErrorCode, message: string): PipelineError[] => [
    { step: step.name, parameter: 'service', errorCode, message },
  ];
  if (!service) return stepError('unknown_service', `There is no service '${step.service}'.`);
  const unrunnable = unrunnableReason(service);
  if (unrunnable) return stepError('service_unrunnable', unrunnable);
  // With private jobs, a step may read only its submitter's own jobs' files (as a submission).
  const reader =
    ctx.settings.api.privateJobs && !submitter.admin ? { owner: submitter.owner } : undefined;
  const resolver = new StandInResolver(
    new StoreFileResolver(ctx.store, ctx.settings.directories.jobs, reader),
  );
  const fields = new Map<string, string[]>();
  const references: StepReference[] = [];
  const errors: PipelineError[] = [];
  for (const [name, items] of step.parameters) {
    const refs = items.filter((i): i is OutputReference => typeof i !== 'string');
    if (refs.length) {
      const parameter = service.parameters.find((p) => p.id === name);
      const plain = items.length - refs.length;
      errors.push(...referenceErrors(step, parameter, name, refs, plain, services));
    }
    fields.set(
      name,
      items.map((i) => {
        if (typeof i === 'string') return i;
        const token = resolver.token();
        references.push({ parameter: name, token, from: i.from, output: i.output });
        return token;
      }),
    );
  }
  if (errors.length) return errors;
  // A referenced file does not exist yet: its media type was matched against the output's.
  const referenced = new Set(references.map((r) => r.parameter));
  const checked: Service = {
    ...service,
    parameters: service.parameters.map((p) =>
      referenced.has(p.id) ? { ...p, mediaType: undefined, mediaTypeParameters: undefined } : p,
    ),
  };
  const result = await validateSubmission(checked, { fields, files: new Map() }, resolver);
  if (!result.ok) return result.errors.map((e) => ({ step: step.name, ...e }));
  const { inputs, parameters } = jobInputs(service, result.values, result.defaulted);
  const tooLong = commandSizeErrors(service, inputs);
  if (tooLong.length) return tooLong.map((e) => ({ step: step.name, ...e }));
  const id = newJobId();
  return {
    service,
    step: {
      name: step.name,
      service: service.id,
      jobId: id,
      after: [...new Set(references.map((r) => r.from))],
      references,
    },
    job: {
      id,
      service: service.id,
      inputs,
      parameters,
      workDir: jobDirectoryRelative(id),
      owner: submitter.owner,
    },
  };
}

/**
 * Validates a parsed `POST /pipelines` body as a whole and records it: every step checked as a
 * submission of its service would be, references checked against the service files' outputs,
 * the graph checked acyclic. Any error and nothing is created. The route (and the portal's
 * templates) answer with the outcome.
 */
export async function submitPipeline(
  body: unknown,
  ctx: AppContext,
  submitter: PipelineSubmitter = { owner: null, admin: false },
): Promise<PipelineOutcome> {
  const parsed = parsePipelineRequest(body);
  if (!parsed.ok) return { kind: 'invalid', errors: parsed.errors };
  const services = new Map(parsed.steps.map((s) => [s.name, ctx.catalog.get(s.service)]));
  const checked: CheckedStep[] = [];
  const errors: PipelineError[] = [];
  for (const step of parsed.steps) {
    const outcome = await checkStep(ctx, step, services, submitter);
    if (Array.isArray(outcome)) errors.push(...outcome);
    else checked.push(outcome);
  }
  if (errors.length) return { kind: 'invalid', errors };
  const sorted = topologicalOrder(checked.map((c) => c.step));
  if ('cycle' in sorted) {
    const message = 'The steps read each other’s outputs in a cycle.';
    return {
      kind: 'invalid',
      errors: [{ step: sorted.cycle, parameter: null, errorCode: 'cycle', message }],
    };
  }
  const byName = new Map(checked.map((c) => [c.step.name, c]));
  const ordered = sorted.order.map((name) => byName.get(name) as CheckedStep);
  const jobs: NewStepJob[] = [];
  for (const c of ordered) {
    const serviceRevision = await ctx.revisions.remember(c.service);
    jobs.push({ job: { ...c.job, serviceRevision }, root: c.step.after.length === 0 });
  }
  const pipeline = await ctx.store.pipelines.insertPipeline(
    { id: newJobId(), steps: ordered.map((c) => c.step) },
    jobs,
  );
  ctx.wake();
  const created = await ctx.store.pipelines.getJobs(jobs.map((j) => j.job.id));
  return { kind: 'created', pipeline, jobs: created };
}
