import type { Job, JobState, NewJob } from '../../jobs';
import { parseHistory } from './history-sql';
import type { Upload } from '../job-store';

export interface JobRow {
  seq: number;
  id: string;
  service: string;
  inputs: string;
  parameters: string;
  state: string;
  submitted_at: number;
  completed_at: number | null;
  runner: string | null;
  work_dir: string;
  external_id: string | null;
  attempt: number;
  fencing_token: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  cancel_requested: number;
  exit_code: number | null;
  reason: string | null;
  priority: number;
  not_before: number | null;
  service_revision: string | null;
  lost_attempts: number;
  history: string | null;
  callback_url: string | null;
  callback_events: string | null;
  cached_from?: string | null;
  rerun_of: string | null;
  pipeline_id?: string | null;
  owner?: string | null;
}

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

export function rowToJob(row: JobRow): Job {
  return {
    id: row.id,
    service: row.service,
    inputs: JSON.parse(row.inputs),
    parameters: JSON.parse(row.parameters),
    state: row.state as JobState,
    submittedAt: new Date(row.submitted_at),
    completedAt: date(row.completed_at),
    runner: row.runner,
    workDir: row.work_dir,
    externalId: row.external_id,
    attempt: row.attempt,
    lostAttempts: row.lost_attempts,
    fencingToken: row.fencing_token,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: date(row.lease_expires_at),
    cancelRequested: row.cancel_requested === 1,
    exitCode: row.exit_code,
    reason: row.reason,
    priority: row.priority,
    notBefore: date(row.not_before),
    serviceRevision: row.service_revision ?? null,
    history: parseHistory(row.history),
    callback: row.callback_url
      ? { url: row.callback_url, events: row.callback_events === 'all' ? 'all' : 'finished' }
      : null,
    ...(row.cached_from ? { cachedFrom: row.cached_from } : {}),
    rerunOf: row.rerun_of ?? null,
    ...(row.pipeline_id ? { pipeline: row.pipeline_id } : {}),
    owner: row.owner ?? null,
  };
}

export interface UploadRow {
  id: string;
  path: string;
  media_type: string | null;
  title: string | null;
  created_at: number;
}

export const rowToUpload = (row: UploadRow): Upload => ({
  id: row.id,
  path: row.path,
  mediaType: row.media_type,
  title: row.title,
  createdAt: new Date(row.created_at),
});

/** The leading values of every job row insert: id, service, inputs and parameters (JSON). */
export function newJobValues(job: NewJob): [string, string, string, string] {
  return [job.id, job.service, JSON.stringify(job.inputs), JSON.stringify(job.parameters)];
}
