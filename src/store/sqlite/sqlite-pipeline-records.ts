import type Database from 'better-sqlite3';
import {
  PIPELINE_WAIT_UNTIL,
  type Job,
  type JobInputs,
  type JobState,
  type NewJob,
  type NewPipeline,
  type Pipeline,
  type PipelineStep,
} from '../../jobs';
import type { NewStepJob, PipelineRecords } from '../pipeline-records';
import { APPEND_HISTORY_SQL, firstHistory, historyArgs } from './history-sql';
import { placeholders } from './placeholders';
import { newJobValues, rowToJob, type JobRow } from './row-mapping';

const PIPELINE_SCHEMA = `
CREATE TABLE IF NOT EXISTS pipelines (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  submitted_at INTEGER NOT NULL,
  steps TEXT NOT NULL,
  ended INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS pipelines_open ON pipelines (seq) WHERE ended = 0;
`;

/** A step waiting for its inputs (isWaitingStep); binds PIPELINE_WAIT_UNTIL. */
const WAITING_SQL = `pipeline_id IS NOT NULL AND state = 'QUEUED' AND lease_owner IS NULL
  AND not_before = ?`;

interface PipelineRow {
  id: string;
  submitted_at: number;
  steps: string;
  ended: number;
}

const rowToPipeline = (row: PipelineRow): Pipeline => ({
  id: row.id,
  submittedAt: new Date(row.submitted_at),
  steps: JSON.parse(row.steps) as PipelineStep[],
  ended: row.ended === 1,
});

/** Pipelines in SQLite: a table of their own, and `pipeline_id` on the jobs of their steps. */
export class SqlitePipelineRecords implements PipelineRecords {
  constructor(private readonly db: Database.Database) {
    const columns = db.prepare('PRAGMA table_info(jobs)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'pipeline_id')) {
      try {
        db.exec('ALTER TABLE jobs ADD COLUMN pipeline_id TEXT');
      } catch (error) {
        // The server and the scheduler open the file at once: the other one added it first.
        if (!/duplicate column/i.test(String((error as Error).message))) throw error;
      }
    }
    db.exec(PIPELINE_SCHEMA);
  }

  async insertPipeline(pipeline: NewPipeline, jobs: NewStepJob[]): Promise<Pipeline> {
    const now = Date.now();
    const insert = this.db.transaction((): Pipeline => {
      for (const { job, root } of jobs) this.insertStepJob(job, pipeline.id, root, now);
      const row = this.db
        .prepare('INSERT INTO pipelines (id, submitted_at, steps) VALUES (?, ?, ?) RETURNING *')
        .get(pipeline.id, now, JSON.stringify(pipeline.steps)) as PipelineRow;
      return rowToPipeline(row);
    });
    return insert.immediate();
  }

  private insertStepJob(job: NewJob, pipelineId: string, root: boolean, now: number): void {
    const state: JobState = root ? 'PENDING' : 'QUEUED';
    this.db
      .prepare(
        `INSERT INTO jobs (id, service, inputs, parameters, state, submitted_at, work_dir, priority,
           not_before, service_revision, history, pipeline_id, owner)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        ...newJobValues(job),
        state,
        now,
        job.workDir,
        job.priority ?? 0,
        root ? null : PIPELINE_WAIT_UNTIL.getTime(),
        job.serviceRevision ?? null,
        firstHistory(state, now),
        pipelineId,
        job.owner ?? null,
      );
  }

  async getPipeline(id: string): Promise<Pipeline | null> {
    const row = this.db.prepare('SELECT * FROM pipelines WHERE id = ?').get(id) as
      PipelineRow | undefined;
    return row ? rowToPipeline(row) : null;
  }

  async getJobs(ids: string[]): Promise<Job[]> {
    if (ids.length === 0) return [];
    const rows = this.db
      .prepare(`SELECT * FROM jobs WHERE id IN (${placeholders(ids.length)})`)
      .all(...ids) as JobRow[];
    return rows.map(rowToJob);
  }

  async listOpen(limit: number): Promise<Pipeline[]> {
    const rows = this.db
      .prepare('SELECT * FROM pipelines WHERE ended = 0 ORDER BY seq LIMIT ?')
      .all(limit) as PipelineRow[];
    return rows.map(rowToPipeline);
  }

  async markEnded(id: string): Promise<void> {
    this.db.prepare('UPDATE pipelines SET ended = 1 WHERE id = ?').run(id);
  }

  async endWaitingStep(jobId: string, to: 'DELETED' | 'ERROR', reason: string) {
    const now = Date.now();
    const row = this.db
      .prepare(
        `UPDATE jobs SET state = ?, reason = ?, completed_at = ?, not_before = NULL,
           ${APPEND_HISTORY_SQL}
         WHERE id = ? AND ${WAITING_SQL}
         RETURNING *`,
      )
      .get(to, reason, now, ...historyArgs(to, now), jobId, PIPELINE_WAIT_UNTIL.getTime()) as
      JobRow | undefined;
    return row ? rowToJob(row) : null;
  }

  async releaseStep(jobId: string, inputs: JobInputs, parameters: JobInputs): Promise<Job | null> {
    const now = Date.now();
    const row = this.db
      .prepare(
        `UPDATE jobs SET state = 'PENDING', not_before = NULL, inputs = ?, parameters = ?,
           ${APPEND_HISTORY_SQL}
         WHERE id = ? AND ${WAITING_SQL}
         RETURNING *`,
      )
      .get(
        JSON.stringify(inputs),
        JSON.stringify(parameters),
        ...historyArgs('PENDING', now),
        jobId,
        PIPELINE_WAIT_UNTIL.getTime(),
      ) as JobRow | undefined;
    return row ? rowToJob(row) : null;
  }
}
