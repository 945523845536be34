import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JobWatcher } from '../../../src/http/job-watcher';
import { jobDirectoryRelative, newJobId } from '../../../src/jobs';
import { createLogger } from '../../../src/lifecycle/logger';
import { SqliteJobStore } from '../../../src/store/sqlite/sqlite-job-store';

const log = createLogger('test', 'silent');

async function storeWithJob() {
  const store = new SqliteJobStore(path.join(mkdtempSync(path.join(tmpdir(), 'watcher-')), 'db'));
  const id = newJobId();
  const job = await store.insertJob({
    id,
    service: 'x',
    inputs: {},
    parameters: {},
    workDir: jobDirectoryRelative(id),
  });
  return { store, job };
}

describe('JobWatcher', () => {
  it('tells each watch about every state change once, and stops reading when nobody waits', async () => {
    const { store, job } = await storeWithJob();
    const watcher = new JobWatcher(store, 20, log);
    const seen: string[] = [];
    const stop = watcher.watch(
      job,
      (j) => seen.push(j.state),
      () => seen.push('closed'),
    );
    await store.claimPending('test', 10_000, 10);
    await new Promise((r) => setTimeout(r, 100));
    await store.requestCancel(job.id);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual(['ACCEPTED', 'DELETED']);
    stop();
    expect(watcher.watchedJobs).toBe(0);
    await store.close();
  });

  it('re-reads at once when nudged, long before its interval', async () => {
    const { store, job } = await storeWithJob();
    const watcher = new JobWatcher(store, 10_000, log);
    const seen: string[] = [];
    const stop = watcher.watch(
      job,
      (j) => seen.push(j.state),
      () => undefined,
    );
    await store.claimPending('test', 10_000, 10);
    watcher.nudge();
    // A nudge while a re-read runs is not lost: one more re-read follows it.
    await store.requestCancel(job.id);
    watcher.nudge();
    const started = Date.now();
    while (seen.length < 2 && Date.now() - started < 2000)
      await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual(['ACCEPTED', 'DELETED']);
    expect(Date.now() - started).toBeLessThan(2000);
    stop();
    watcher.close();
    await store.close();
  });

  it('keeps going when the store fails, and answers waiters on close', async () => {
    const { store, job } = await storeWithJob();
    const watcher = new JobWatcher(store, 20, log);
    const outcome = new Promise<string>((resolve) =>
      watcher.watch(
        job,
        () => resolve('changed'),
        () => resolve('closed'),
      ),
    );
    await store.close(); // every read now throws
    await new Promise((r) => setTimeout(r, 100));
    expect(watcher.watchedJobs).toBe(1);
    watcher.close();
    expect(await outcome).toBe('closed');
    let late = '';
    watcher.watch(
      job,
      () => undefined,
      () => (late = 'closed at once'),
    );
    expect(late).toBe('closed at once');
  });
});
