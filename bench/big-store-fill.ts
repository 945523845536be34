import Database from 'better-sqlite3';
import { MongoClient, ObjectId } from 'mongodb';
import { jobDirectoryRelative, newJobId } from '../src/jobs';
import type { JobStore } from '../src/store/job-store';

/**
 * Fills a store with `count` finished jobs quickly, by writing rows (documents) directly: each is
 * a copy of a job the store itself inserted, so every column (field) the store writes is there in
 * its own format, with a new id, service, times and directory. Jobs are spread over `services`
 * and submitted one a second, ending now. Returns a sample of the ids written.
 */
const SAMPLE = 10_000;

function plan(count: number, services: string[], i: number, now: number) {
  const id = newJobId();
  const submittedAt = now - (count - i) * 1000;
  return {
    id,
    service: services[i % services.length],
    submittedAt,
    completedAt: submittedAt + 800,
    workDir: jobDirectoryRelative(id),
  };
}

async function template(store: JobStore, service: string): Promise<string> {
  const id = newJobId();
  await store.insertJob({
    id,
    service,
    inputs: { seconds: '1' },
    parameters: { seconds: '1' },
    workDir: jobDirectoryRelative(id),
  });
  return id;
}

export async function fillSqlite(
  store: JobStore,
  file: string,
  count: number,
  services: string[],
): Promise<string[]> {
  const templateId = await template(store, services[0]);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  const row = db.prepare('SELECT * FROM jobs WHERE id = ?').get(templateId) as Record<
    string,
    unknown
  >;
  db.prepare('DELETE FROM jobs WHERE id = ?').run(templateId);
  const columns = Object.keys(row).filter((column) => column !== 'seq');
  const insert = db.prepare(
    `INSERT INTO jobs (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
  );
  const now = Date.now();
  const sample: string[] = [];
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const job = plan(count, services, i, now);
      if (i % Math.ceil(count / SAMPLE) === 0) sample.push(job.id);
      insert.run({
        ...row,
        id: job.id,
        service: job.service,
        state: 'COMPLETED',
        submitted_at: job.submittedAt,
        completed_at: job.completedAt,
        work_dir: job.workDir,
        runner: 'default',
        exit_code: 0,
        attempt: 1,
        fencing_token: 1,
        history: JSON.stringify([
          { state: 'PENDING', at: job.submittedAt },
          { state: 'ACCEPTED', at: job.submittedAt + 5 },
          { state: 'QUEUED', at: job.submittedAt + 10 },
          { state: 'RUNNING', at: job.submittedAt + 20 },
          { state: 'COMPLETED', at: job.completedAt },
        ]),
      });
    }
  });
  for (let from = 0; from < count; from += 50_000) batch(from, Math.min(count, from + 50_000));
  // The fill's transactions leave a WAL the size of the largest: both stores start empty of it.
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return sample;
}

export async function fillMongo(
  store: JobStore,
  url: string,
  database: string,
  count: number,
  services: string[],
): Promise<string[]> {
  const templateId = await template(store, services[0]);
  const client = new MongoClient(url);
  try {
    const db = client.db(database);
    const jobs = db.collection<Record<string, unknown> & { _id: string }>('jobs');
    const doc = await jobs.findOne({ _id: templateId });
    if (!doc) throw new Error('the template job is missing');
    await jobs.deleteOne({ _id: templateId });
    await db.collection('claim_queue').deleteMany({ jobId: templateId });
    const now = Date.now();
    const sample: string[] = [];
    for (let from = 0; from < count; from += 5_000) {
      const docs = [];
      for (let i = from; i < Math.min(count, from + 5_000); i++) {
        const job = plan(count, services, i, now);
        if (i % Math.ceil(count / SAMPLE) === 0) sample.push(job.id);
        const submittedAt = new Date(job.submittedAt);
        const completedAt = new Date(job.completedAt);
        docs.push({
          ...doc,
          _id: job.id,
          service: job.service,
          state: 'COMPLETED',
          submittedAt,
          month: submittedAt.toISOString().slice(0, 7),
          order: new ObjectId(),
          completedAt,
          workDir: job.workDir,
          runner: 'default',
          exitCode: 0,
          attempt: 1,
          fencingToken: 1,
          history: [
            { state: 'PENDING', at: submittedAt },
            { state: 'RUNNING', at: new Date(job.submittedAt + 20) },
            { state: 'COMPLETED', at: completedAt },
          ],
        });
      }
      await jobs.insertMany(docs, { ordered: false });
    }
    return sample;
  } finally {
    await client.close();
  }
}
