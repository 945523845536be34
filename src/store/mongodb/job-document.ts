import type { ObjectId } from 'mongodb';
import {
  initialState,
  type Job,
  type JobCallback,
  type JobHistoryEntry,
  type NewJob,
} from '../../jobs';
import type { Upload } from '../job-store';

/** The fields a stored job keeps exactly as the job type has them. */
type JobFields = Pick<
  Job,
  | 'service'
  | 'inputs'
  | 'parameters'
  | 'state'
  | 'submittedAt'
  | 'completedAt'
  | 'runner'
  | 'workDir'
  | 'externalId'
  | 'attempt'
  | 'fencingToken'
  | 'leaseOwner'
  | 'cancelRequested'
  | 'exitCode'
  | 'reason'
  | 'priority'
  | 'notBefore'
  | 'serviceRevision'
>;

/**
 * A job as stored in the `jobs` collection. Every field exists from the insert on, so a filter on
 * one of them never misses a document that simply lacks it.
 */
export interface JobDocument extends JobFields {
  _id: string;
  /** `YYYY-MM` (UTC) of the submission: usage statistics group on it without date operators. */
  month: string;
  /** Breaks ties between jobs submitted in the same millisecond, in submission order. */
  order: ObjectId;
  /** Attempts written off as lost to infrastructure; absent in documents written before it. */
  lostAttempts?: number;
  /** When the lease was last taken or renewed, by the database's clock. */
  leasedAt: Date | null;
  leaseMs: number | null;
  /** The job this one reran; absent in documents written before it. */
  rerunOf?: string | null;
  /** Whose job it is; absent in documents written before owners (read as null). */
  owner?: string | null;
  /** Bumped by every write after the insert; see JobWriter. */
  version: number;
  /**
   * The version at which the job's latest wait for a claim began: its claim-queue entry is
   * `<id>@<waitVersion>`. Absent in documents written before it.
   */
  waitVersion?: number;
  /** The states entered, oldest first and bounded; absent in documents written before it. */
  history?: JobHistoryEntry[];
  /** The job's webhook; absent in documents written before it. */
  callback?: JobCallback | null;
  /** Result cache: set on originals of services that opted in, and on hits (see retention). */
  cacheKey?: string;
  cachedFrom?: string;
  /** The pipeline the job is a step of; absent for a lone job. */
  pipeline?: string;
}

export interface UploadDocument {
  _id: string;
  path: string;
  mediaType: string | null;
  title: string | null;
  createdAt: Date;
}

/** One refused stale write; counted, never updated in place (an $inc is not atomic on FerretDB). */
export interface StaleWriteDocument {
  jobId: string;
  fencingToken: number;
  at: Date;
}

export function newJobDocument(job: NewJob, submittedAt: Date, order: ObjectId): JobDocument {
  return {
    _id: job.id,
    service: job.service,
    inputs: job.inputs,
    parameters: job.parameters,
    state: initialState(job.notBefore, submittedAt.getTime()),
    waitVersion: 0,
    submittedAt,
    month: submittedAt.toISOString().slice(0, 7),
    order,
    completedAt: null,
    runner: null,
    workDir: job.workDir,
    externalId: null,
    attempt: 0,
    lostAttempts: 0,
    fencingToken: 0,
    leaseOwner: null,
    leasedAt: null,
    leaseMs: null,
    cancelRequested: false,
    exitCode: null,
    reason: null,
    priority: job.priority ?? 0,
    notBefore: job.notBefore ?? null,
    serviceRevision: job.serviceRevision ?? null,
    rerunOf: job.rerunOf ?? null,
    owner: job.owner ?? null,
    version: 0,
    history: [{ state: initialState(job.notBefore, submittedAt.getTime()), at: submittedAt }],
    callback: job.callback ?? null,
    ...(job.cacheKey ? { cacheKey: job.cacheKey } : {}),
  };
}

export function documentToJob(doc: JobDocument): Job {
  return {
    id: doc._id,
    service: doc.service,
    inputs: doc.inputs,
    parameters: doc.parameters,
    state: doc.state,
    submittedAt: doc.submittedAt,
    completedAt: doc.completedAt,
    runner: doc.runner,
    workDir: doc.workDir,
    externalId: doc.externalId,
    attempt: doc.attempt,
    lostAttempts: doc.lostAttempts ?? 0,
    fencingToken: doc.fencingToken,
    leaseOwner: doc.leaseOwner,
    leaseExpiresAt:
      doc.leasedAt && doc.leaseMs !== null ? new Date(doc.leasedAt.getTime() + doc.leaseMs) : null,
    cancelRequested: doc.cancelRequested,
    exitCode: doc.exitCode,
    reason: doc.reason,
    priority: doc.priority,
    notBefore: doc.notBefore,
    serviceRevision: doc.serviceRevision ?? null,
    history: doc.history ?? [],
    callback: doc.callback ?? null,
    ...(doc.cachedFrom ? { cachedFrom: doc.cachedFrom } : {}),
    rerunOf: doc.rerunOf ?? null,
    ...(doc.pipeline ? { pipeline: doc.pipeline } : {}),
    owner: doc.owner ?? null,
  };
}

export function documentToUpload(doc: UploadDocument): Upload {
  return {
    id: doc._id,
    path: doc.path,
    mediaType: doc.mediaType,
    title: doc.title,
    createdAt: doc.createdAt,
  };
}

export const uploadDocument = (upload: Upload): UploadDocument => ({
  _id: upload.id,
  path: upload.path,
  mediaType: upload.mediaType,
  title: upload.title,
  createdAt: upload.createdAt,
});
