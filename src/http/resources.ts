import { isWaitingStep, type Job } from '../jobs';
import type { ServiceStatusView } from '../services/health/service-status';
import type { Parameter, Service } from '../services/service';
import type {
  FileResource,
  JobResource,
  ParameterResource,
  ParameterValue,
  ServiceResource,
  ServiceStatus,
} from '../wire/api-resources';
import { jobStory } from './job-story';
import type { QueueEstimate } from './queue-estimates';
import { wireTimestamp } from './timestamp';

/** How a parameter is shown to clients (slivka's `__json__`, with the hidden-bound bug fixed). */
export function parameterResource(p: Parameter): ParameterResource {
  const out: ParameterResource = {
    type: p.kind,
    id: p.id,
    name: p.name,
    description: p.description,
    required: p.required && p.default === null,
    array: p.array,
    default: p.default,
  };
  if (p.kind === 'integer' || p.kind === 'decimal') {
    if (p.min !== undefined) out.min = p.min;
    if (p.max !== undefined) out.max = p.max;
    if (p.kind === 'decimal') {
      if (p.min !== undefined) out.minExclusive = p.minExclusive;
      if (p.max !== undefined) out.maxExclusive = p.maxExclusive;
    }
  }
  if (p.kind === 'text') {
    if (p.minLength !== undefined) out.minLength = p.minLength;
    if (p.maxLength !== undefined) out.maxLength = p.maxLength;
    if (p.pattern !== undefined) out.pattern = p.pattern;
  }
  if (p.kind === 'choice') out.choices = Object.keys(p.choices ?? {});
  if (p.kind === 'file') {
    if (p.mediaType) {
      out.mimetype = p.mediaType;
      out.mediaType = p.mediaType;
      out.mediaTypeParameters = p.mediaTypeParameters ?? {};
    }
    if (p.extensions?.length) out.extensions = p.extensions;
  }
  if (p.condition) out.condition = p.condition.source;
  return out;
}

export type { ServiceStatus };

export const UNKNOWN_STATUS: ServiceStatus = {
  status: 'UNKNOWN',
  errorMessage: '',
  timestamp: wireTimestamp(new Date(0)),
};

export function statusResource(view: ServiceStatusView): ServiceStatus {
  return {
    status: view.status,
    errorMessage: view.errorMessage,
    timestamp: wireTimestamp(view.timestamp),
  };
}

export function serviceResource(
  apiBase: string,
  s: Service,
  status = UNKNOWN_STATUS,
): ServiceResource {
  return {
    '@url': `${apiBase}/services/${s.id}`,
    id: s.id,
    name: s.name,
    description: s.description,
    author: s.author,
    version: s.version,
    license: s.license,
    classifiers: s.classifiers,
    parameters: s.parameters.map(parameterResource),
    presets: [],
    status,
  };
}

/**
 * `queue`: the waiting job's queue estimate; `expiresAt` (when given): when retention deletes the
 * job, null while nothing is scheduled.
 */
export function jobResource(
  apiBase: string,
  job: Job,
  queue?: QueueEstimate | null,
  expiresAt?: Date | null,
): JobResource {
  const finished = job.completedAt !== null;
  return {
    '@url': `${apiBase}/jobs/${job.id}`,
    id: job.id,
    service: job.service,
    // Unset parameters are left out: slivka's Java client fails on a null value.
    parameters: Object.fromEntries(
      Object.entries(job.parameters).filter((e): e is [string, ParameterValue] => e[1] !== null),
    ),
    submissionTime: wireTimestamp(job.submittedAt),
    completionTime: finished && job.completedAt ? wireTimestamp(job.completedAt) : null,
    finished: ['REJECTED', 'COMPLETED', 'INTERRUPTED', 'DELETED', 'FAILED', 'ERROR'].includes(
      job.state,
    ),
    status: job.state,
    // Why the job is where it is (an engine's refusal, a lost agent, a retry), how it ran and
    // its history: Damson's own keys, which slivka's clients ignore.
    // A pipeline step waiting for its inputs is in no queue yet.
    ...jobStory(job, isWaitingStep(job) ? null : queue),
    // A result-cache hit: it never ran; its files are those of this job.
    ...(job.cachedFrom ? { cachedFrom: job.cachedFrom } : {}),
    ...(expiresAt === undefined ? {} : { expiresAt: expiresAt && wireTimestamp(expiresAt) }),
    // The job this one reran (POST /jobs/{id}/rerun); left out for a fresh submission.
    ...(job.rerunOf ? { rerunOf: job.rerunOf } : {}),
    // The pipeline the job is a step of (GET it for the other steps).
    ...(job.pipeline ? { pipeline: `${apiBase}/pipelines/${job.pipeline}` } : {}),
  };
}

export interface OutputFile {
  path: string;
  label: string;
  mediaType: string;
}

/** `source`: the job whose directory holds the file (a cache hit's original), else `job`. */
export function jobFileResource(
  apiBase: string,
  contentBase: string,
  job: Job,
  file: OutputFile,
  source: Job = job,
): FileResource {
  return {
    '@url': `${apiBase}/jobs/${job.id}/files/${file.path}`,
    '@content': `${contentBase}/${source.workDir}/${file.path}`,
    id: `${job.id}/${file.path}`,
    jobId: job.id,
    path: file.path,
    label: file.label,
    mediaType: file.mediaType,
  };
}

export function uploadResource(
  apiBase: string,
  contentBase: string,
  id: string,
  mediaType: string | null,
  /** The uploaded part's filename; uploads recorded before it was kept have none. */
  label: string | null = null,
  expiresAt?: Date | null,
): FileResource {
  return {
    '@url': `${apiBase}/files/${id}`,
    '@content': `${contentBase}/${id}`,
    id,
    jobId: null,
    path: id,
    label: label ?? 'uploaded',
    mediaType: mediaType ?? '',
    ...(expiresAt === undefined ? {} : { expiresAt: expiresAt && wireTimestamp(expiresAt) }),
  };
}
