import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { SHARED_UPLOADS_DIRECTORY } from '../../src/jobs';
import { shareUploadContent } from '../../src/http/shared-uploads';
import { RetentionSweeper } from '../../src/scheduler/retention-sweeper';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';

/** Upload de-duplication: the link count is the reference count (store-independent). */
describe('shared upload content', () => {
  let dir: string;
  let uploads: string;
  let store: SqliteJobStore;
  let next = 0;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'damson-shared-'));
    uploads = path.join(dir, 'uploads');
    mkdirSync(uploads);
    store = new SqliteJobStore(path.join(dir, 'jobs.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

  /**
   * A recorded upload with these bytes, shared as the server does it. The record comes first
   * here: the sweepers below have no orphan grace (the server's protects a file not yet
   * recorded), and these tests are about the shared name, not about orphans.
   */
  async function committed(text: string): Promise<string> {
    const id = `upload${String(++next).padStart(10, '0')}`;
    const file = path.join(uploads, id);
    await store.insertUpload({
      id,
      path: file,
      mediaType: null,
      title: null,
      createdAt: new Date(),
    });
    writeFileSync(file, text);
    await shareUploadContent(uploads, file, sha(text), Buffer.byteLength(text));
    return file;
  }

  const sweeperOptions = () => ({
    retentionMs: null,
    uploadRetentionMs: null,
    // No grace, and then some: a file changed in this very millisecond has a timestamp a fraction
    // past Date.now(), which counts whole milliseconds.
    orphanAgeMs: -1000,
    sweepIntervalMs: 60_000,
    jobsDirectory: path.join(dir, 'jobs'),
    uploadsDirectory: uploads,
  });
  const sweeper = (): RetentionSweeper =>
    new RetentionSweeper(store, sweeperOptions(), pino({ level: 'silent' }));

  it('stores the same bytes once: every upload is a link to one file', async () => {
    const a = await committed('same bytes');
    const b = await committed('same bytes');
    const c = await committed('other bytes');
    expect(statSync(a).ino).toBe(statSync(b).ino);
    expect(statSync(a).nlink).toBe(3); // a, b and the shared name
    expect(statSync(c).ino).not.toBe(statSync(a).ino);
    expect(readFileSync(b, 'utf8')).toBe('same bytes');
    // Read-only: a tool writing to its input cannot change another upload's bytes.
    expect(statSync(a).mode & 0o222).toBe(0);
  });

  it('two identical uploads at once share one file', async () => {
    const files = await Promise.all(Array.from({ length: 8 }, () => committed('at once')));
    const inodes = new Set(files.map((f) => statSync(f).ino));
    expect(inodes.size).toBe(1);
    for (const f of files) expect(readFileSync(f, 'utf8')).toBe('at once');
  });

  it('releases the bytes with the last upload, never before', async () => {
    const a = await committed('counted');
    const b = await committed('counted');
    const shared = path.join(uploads, SHARED_UPLOADS_DIRECTORY, sha('counted'));
    rmSync(a);
    await sweeper().sweep();
    expect(existsSync(shared)).toBe(true);
    expect(readFileSync(b, 'utf8')).toBe('counted');
    rmSync(b);
    await sweeper().sweep();
    expect(existsSync(shared)).toBe(false);
  });

  it('a new upload linked to old shared bytes is no orphan while it waits for its record', async () => {
    await committed('old bytes');
    const shared = path.join(uploads, SHARED_UPLOADS_DIRECTORY, sha('old bytes'));
    const dayAgo = new Date(Date.now() - 86_400_000);
    utimesSync(shared, dayAgo, dayAgo);
    // Written and shared, not recorded yet: the server records it after this.
    const fresh = path.join(uploads, 'upload-not-yet-recorded');
    writeFileSync(fresh, 'old bytes');
    await shareUploadContent(uploads, fresh, sha('old bytes'), Buffer.byteLength('old bytes'));
    expect(statSync(fresh).ino).toBe(statSync(shared).ino); // shared, not a copy
    const graced = new RetentionSweeper(
      store,
      { ...sweeperOptions(), orphanAgeMs: 60_000 },
      pino({ level: 'silent' }),
    );
    await graced.sweep();
    expect(readFileSync(fresh, 'utf8')).toBe('old bytes');
  });

  it('an upload arriving while the sweeper removes the last reference keeps its bytes', async () => {
    for (let round = 0; round < 30; round++) {
      const text = `race ${round}`;
      const first = await committed(text);
      rmSync(first); // the last upload goes: only the shared name is left
      const [arriving] = await Promise.all([committed(text), sweeper().sweep()]);
      expect(readFileSync(arriving, 'utf8')).toBe(text);
      // And a later identical upload is still whole, shared or not.
      const later = await committed(text);
      expect(readFileSync(later, 'utf8')).toBe(text);
    }
  });
});
