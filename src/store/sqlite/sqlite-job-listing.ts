import { listingStatesClause } from './state-indexes';
import type Database from 'better-sqlite3';
import type { JobFilter, JobPage } from '../job-store';
import { rowToJob, type JobRow } from './row-mapping';
import { listingOwnerClause } from './sqlite-owners';

/** Cursors are opaque to clients; inside they are the last row's sequence number. */
const encodeCursor = (seq: number): string => Buffer.from(String(seq)).toString('base64url');
const decodeCursor = (cursor: string): number =>
  Number(Buffer.from(cursor, 'base64url').toString()) || 0;

/** A page of jobs, newest first (by insertion order), with the cursor of the next page. */
export function listJobRows(db: Database.Database, filter: JobFilter): JobPage {
  const where: string[] = [];
  const args: (string | number)[] = [];
  const add = (clause: string, ...values: (string | number)[]): void => {
    where.push(clause);
    args.push(...values);
  };
  if (filter.service) add('service = ?', filter.service);
  if (filter.owner !== undefined) add(...listingOwnerClause(filter.owner));
  if (filter.states?.length) add(...listingStatesClause(filter.states));
  if (filter.submittedSince) add('submitted_at >= ?', filter.submittedSince.getTime());
  if (filter.submittedBefore) add('submitted_at < ?', filter.submittedBefore.getTime());
  if (filter.cursor) add('seq < ?', decodeCursor(filter.cursor));
  const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
  const rows = db.prepare(sql).all(...args, filter.limit + 1) as JobRow[];
  const page = rows.slice(0, filter.limit);
  const more = rows.length > filter.limit;
  const last = page[page.length - 1];
  return {
    jobs: page.map(rowToJob),
    nextCursor: more && last ? encodeCursor(last.seq) : null,
  };
}
