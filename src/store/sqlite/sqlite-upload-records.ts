import type Database from 'better-sqlite3';
import type { Upload } from '../job-store';
import { inputValues } from '../upload-references';
import { UNFINISHED_STATE_SQL } from './state-indexes';
import { rowToUpload, type UploadRow } from './row-mapping';

export function insertUploadRow(db: Database.Database, upload: Upload): void {
  db.prepare(
    'INSERT INTO uploads (id, path, media_type, title, created_at) VALUES (?, ?, ?, ?, ?)',
  ).run(upload.id, upload.path, upload.mediaType, upload.title, upload.createdAt.getTime());
}

export function getUploadRow(db: Database.Database, id: string): Upload | null {
  const row = db.prepare('SELECT * FROM uploads WHERE id = ?').get(id) as UploadRow | undefined;
  return row ? rowToUpload(row) : null;
}

/**
 * Deletes up to `limit` upload records older than `cutoff` that no unfinished job uses, in one
 * write transaction: no job can be recorded between reading what is in use and the delete.
 */
export function deleteUnusedUploads(db: Database.Database, cutoff: Date, limit: number): Upload[] {
  const expire = db.transaction((): UploadRow[] => {
    const inUse = new Set<string>();
    // The partial index of unfinished jobs: never a read of the finished ones.
    const rows = db
      .prepare(
        `SELECT inputs FROM jobs INDEXED BY jobs_unfinished_by_state WHERE ${UNFINISHED_STATE_SQL}`,
      )
      .all() as { inputs: string }[];
    for (const row of rows)
      for (const value of inputValues(JSON.parse(row.inputs))) inUse.add(value);
    return db
      .prepare(
        `DELETE FROM uploads WHERE id IN (SELECT id FROM uploads WHERE created_at < ?
           AND path NOT IN (SELECT value FROM json_each(?)) ORDER BY created_at LIMIT ?)
         RETURNING *`,
      )
      .all(cutoff.getTime(), JSON.stringify([...inUse]), limit) as UploadRow[];
  });
  return expire
    .immediate()
    .map(rowToUpload)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}
