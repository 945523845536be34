import type { JobState } from '../jobs/job-state';

/**
 * The JSON the REST API sends, typed once: the server builds these (src/http/resources.ts and its
 * neighbours) and the portal reads them (public/src/api.ts). slivka v1.1's keys come first in
 * each; the rest are Damson's own, which slivka's clients ignore.
 *
 * Types only, importing nothing but the job states: the portal imports this file with
 * `import type`, so its bundle gains no server code.
 */

/** A service parameter (slivka's `__json__` of a field, with the hidden-bound bug fixed). */
export interface ParameterResource {
  type: string;
  id: string;
  name: string;
  description: string;
  required: boolean;
  array: boolean;
  default: unknown;
  min?: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
  minLength?: number;
  maxLength?: number;
  /** A regular expression the whole text must match. */
  pattern?: string;
  choices?: string[];
  /** slivka's name of `mediaType`. */
  mimetype?: string;
  mediaType?: string;
  mediaTypeParameters?: Record<string, unknown>;
  extensions?: string[];
  /** The condition expression, as written in the service file. */
  condition?: string;
}

export interface ServiceStatus {
  status: string;
  errorMessage: string;
  timestamp: string;
}

export interface ServiceResource {
  '@url': string;
  id: string;
  name: string;
  description: string;
  author: string;
  version: string;
  license: string;
  classifiers: string[];
  parameters: ParameterResource[];
  presets: unknown[];
  status: ServiceStatus;
}

/** A job's values as clients see them: choice keys and file ids, never server paths. */
export type ParameterValue = string | string[];

/** What a job resource shows as `progress`. */
export interface JobProgress {
  /** 0 to 100. */
  percent: number;
  message: string;
  /** When the file it was read from was last written (UTC, like the other timestamps). */
  updatedAt: string;
}

/** One state a job entered, and when. */
export interface JobHistoryResource {
  state: JobState;
  time: string;
}

/**
 * Damson's account of a job (why it is where it is, how it ran, its timeline and queue estimate),
 * added to the slivka job resource.
 */
export interface JobStory {
  reason?: string;
  exitCode: number | null;
  runner: string | null;
  attempts: number;
  lostAttempts: number;
  priority: number;
  history: JobHistoryResource[];
  queuePosition?: number;
  estimatedStart?: string | null;
}

export interface JobResource extends JobStory {
  '@url': string;
  id: string;
  service: string;
  /** Unset parameters are left out: slivka's Java client fails on a null value. */
  parameters: Record<string, ParameterValue>;
  /** UTC without a zone, as slivka writes it (`2026-01-31T12:00:00`). */
  submissionTime: string;
  completionTime: string | null;
  finished: boolean;
  status: JobState;
  /** A result-cache hit: it never ran; its files are those of this job. */
  cachedFrom?: string;
  /** When retention deletes the job; null while nothing is scheduled. */
  expiresAt?: string | null;
  /** The job this one reran. */
  rerunOf?: string;
  /** A rerun's: why it runs with another definition of its service than its original. */
  note?: string;
  /** The `@url` of the pipeline the job is a step of. */
  pipeline?: string;
  progress?: JobProgress;
  /** In an admin's listing of every owner's jobs. */
  owner?: string;
}

/** A job's output file, or an upload (`jobId` null). */
export interface FileResource {
  '@url': string;
  '@content': string;
  id: string;
  jobId: string | null;
  path: string;
  label: string;
  mediaType: string;
  /** An upload's: when retention deletes it; null while nothing is scheduled. */
  expiresAt?: string | null;
}

/** `GET /api/jobs/{id}/command`: the argv and the environment's names the job ran with. */
export interface CommandResource {
  argv: string[];
  env: string[];
}

/** A row of `GET /api/stats` (`usageStatictics`, as slivka spells it). */
export interface UsageRow {
  month: string;
  service: string;
  count: number;
}

export interface PipelineStepResource {
  name: string;
  service: string;
  after: string[];
  job: { '@url': string; id: string };
  /** Null when retention removed the step's job. */
  status: JobState | null;
  finished: boolean;
  /** Waiting for its inputs (shown QUEUED, as slivka's clients see it). */
  waiting: boolean;
  reason: string | null;
}

export interface PipelineResource {
  '@url': string;
  id: string;
  /** RUNNING until every step has finished; then COMPLETED when all did, else FAILED. */
  status: Extract<JobState, 'RUNNING' | 'COMPLETED' | 'FAILED'>;
  finished: boolean;
  submissionTime: string;
  steps: PipelineStepResource[];
}

/** A value a pipeline template's form asks for: a parameter of one of its steps. */
export interface TemplateInput {
  step: string;
  parameter: ParameterResource;
}

export interface TemplateResource {
  '@url': string;
  id: string;
  name: string;
  description: string;
  steps: { name: string; service: string }[];
  inputs: TemplateInput[];
}
