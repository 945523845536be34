import type { Job, JobState } from '../../jobs';

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
  rerun_of: string | null;
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
    rerunOf: row.rerun_of ?? null,
  };
}
