import { ObjectId, type Collection, type Db } from 'mongodb';
import {
  isWaitingStep,
  PIPELINE_WAIT_UNTIL,
  type Job,
  type JobInputs,
  type NewPipeline,
  type Pipeline,
  type PipelineStep,
} from '../../jobs';
import type { NewStepJob, PipelineRecords } from '../pipeline-records';
import { queueEntry, type ClaimQueue } from './claim-queue';
import { documentToJob, newJobDocument, type JobDocument } from './job-document';
import type { JobWriter } from './job-writer';
import { nextHistory } from './history-update';

/**
 * Added to a released step's claim-queue priority (only there, never to the job's): claims take
 * it before entries of its own priority, after those of the next one.
 */
const RELEASED_PRECEDENCE = 0.5;

interface PipelineDocument {
  _id: string;
  submittedAt: Date;
  steps: PipelineStep[];
  ended: boolean;
}

/** What the records share with the job store; read at each call (the store may reconnect). */
export interface MongoPipelineParts {
  db: Db;
  jobs: Collection<JobDocument>;
  queue: ClaimQueue;
  writer: JobWriter;
}

const toPipeline = (doc: PipelineDocument): Pipeline => ({
  id: doc._id,
  submittedAt: doc.submittedAt,
  steps: doc.steps,
  ended: doc.ended,
});

/**
 * Pipelines on MongoDB or FerretDB (no transactions): every multi-document write is ordered so a
 * crash part way fails safe (see PipelineRecords.insertPipeline). `run` is the store's wrapper.
 */
export class MongoPipelineRecords implements PipelineRecords {
  private indexed: Promise<void> | null = null;

  constructor(
    private readonly parts: () => MongoPipelineParts,
    private readonly run: <T>(operation: () => Promise<T>) => Promise<T>,
  ) {}

  private pipelines(): Collection<PipelineDocument> {
    return this.parts().db.collection<PipelineDocument>('pipelines');
  }

  private ready(): Promise<void> {
    this.indexed ??= this.pipelines()
      .createIndex({ ended: 1, submittedAt: 1 }, { name: 'open_by_submission' })
      .then(() => undefined)
      .catch((error: unknown) => {
        this.indexed = null;
        throw error;
      });
    return this.indexed;
  }

  insertPipeline(pipeline: NewPipeline, jobs: NewStepJob[]): Promise<Pipeline> {
    return this.run(async () => {
      await this.ready();
      const { jobs: collection, queue } = this.parts();
      const now = new Date();
      const document = (job: NewStepJob): JobDocument => ({
        ...newJobDocument(
          { ...job.job, notBefore: job.root ? null : PIPELINE_WAIT_UNTIL },
          now,
          new ObjectId(),
        ),
        pipeline: pipeline.id,
      });
      const waiting = jobs.filter((j) => !j.root).map(document);
      if (waiting.length) await collection.insertMany(waiting, { ordered: true });
      const doc: PipelineDocument = {
        _id: pipeline.id,
        submittedAt: now,
        steps: pipeline.steps,
        ended: false,
      };
      await this.pipelines().insertOne(doc);
      // Roots last, each queued before it exists (as every new job is): claimable from here on.
      for (const root of jobs.filter((j) => j.root).map(document)) {
        await queue.add(queueEntry(root, 0));
        await collection.insertOne(root);
      }
      return toPipeline(doc);
    });
  }

  getPipeline(id: string): Promise<Pipeline | null> {
    return this.run(async () => {
      const doc = await this.pipelines().findOne({ _id: id });
      return doc ? toPipeline(doc) : null;
    });
  }

  getJobs(ids: string[]): Promise<Job[]> {
    return this.run(async () => {
      if (ids.length === 0) return [];
      const docs = await this.parts()
        .jobs.find({ _id: { $in: ids } })
        .toArray();
      return docs.map(documentToJob);
    });
  }

  listOpen(limit: number): Promise<Pipeline[]> {
    return this.run(async () => {
      await this.ready();
      const docs = await this.pipelines()
        .find({ ended: false })
        .sort({ submittedAt: 1, _id: 1 })
        .limit(limit)
        .toArray();
      return docs.map(toPipeline);
    });
  }

  markEnded(id: string): Promise<void> {
    return this.run(async () => {
      await this.pipelines().updateOne({ _id: id }, { $set: { ended: true } });
    });
  }

  endWaitingStep(jobId: string, to: 'DELETED' | 'ERROR', reason: string): Promise<Job | null> {
    return this.run(async () => {
      const now = new Date();
      const { doc, applied } = await this.parts().writer.write(jobId, (current) =>
        isWaitingStep(documentToJob(current))
          ? {
              $set: {
                state: to,
                reason,
                completedAt: now,
                notBefore: null,
                history: nextHistory(current, to, now),
              },
            }
          : null,
      );
      return applied && doc ? documentToJob(doc) : null;
    });
  }

  /** A guarded write through JobWriter: only the writer of the next version may release. */
  releaseStep(jobId: string, inputs: JobInputs, parameters: JobInputs): Promise<Job | null> {
    return this.run(async () => {
      const { writer, queue } = this.parts();
      const now = new Date();
      const { doc, applied } = await writer.write(
        jobId,
        (current) =>
          isWaitingStep(documentToJob(current))
            ? {
                $set: {
                  state: 'PENDING',
                  notBefore: null,
                  inputs,
                  parameters,
                  history: nextHistory(current, 'PENDING', now),
                  // A new wait for a claim begins at the version this write lands at.
                  waitVersion: current.version + 1,
                },
              }
            : null,
        // Queued before the job says PENDING, as every return to PENDING is. The queue is in
        // insertion order, so the entry sorts ahead of new work of the same priority instead.
        (current, version) =>
          queue.add({
            ...queueEntry({ ...current, notBefore: null }, version),
            priority: current.priority + RELEASED_PRECEDENCE,
          }),
      );
      return applied && doc ? documentToJob(doc) : null;
    });
  }
}
