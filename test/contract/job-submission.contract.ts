import type { NewJob } from '../../src/jobs';
import type { JobStore, Upload } from '../../src/store/job-store';

/**
 * Contract for recording a submission: its uploads and its job in one atomic write. Run against
 * every store implementation.
 */
/**
 * Whether the promise rejected. Not `rejects.toThrow()`: better-sqlite3 builds its errors with the
 * Error class of the first test file a Jest worker ran, which later files do not see as an Error.
 */
async function refused(promise: Promise<unknown>): Promise<boolean> {
  const [outcome] = await Promise.allSettled([promise]);
  return outcome.status === 'rejected';
}

export function jobSubmissionContract(name: string, open: () => Promise<JobStore>): void {
  describe(`${name}: a submission's job and uploads`, () => {
    let store: JobStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(() => store.close());

    const job = (id: string): NewJob => ({
      id,
      service: 'svc',
      inputs: { input: `/uploads/${id}` },
      parameters: { input: `U${id.slice(1)}` },
      workDir: `${id.slice(0, 2)}/${id.slice(2)}`,
      priority: 3,
      serviceRevision: 'rev1',
    });
    const upload = (id: string): Upload => ({
      id,
      path: `/uploads/${id}`,
      mediaType: 'text/plain',
      title: 'input',
      createdAt: new Date(Date.UTC(2026, 0, 1, 12, 0, 0)),
    });

    test('records the job and every upload', async () => {
      const uploads = [upload('UAAAAAAAAAAAAAA1'), upload('UAAAAAAAAAAAAAA2')];
      const inserted = await store.insertJobWithUploads(job('JAAAAAAAAAAAAAA1'), uploads);
      expect(inserted).toMatchObject({ id: 'JAAAAAAAAAAAAAA1', state: 'PENDING', priority: 3 });
      expect(await store.getJob('JAAAAAAAAAAAAAA1')).toEqual(inserted);
      for (const u of uploads) expect(await store.getUpload(u.id)).toEqual(u);
    });

    test('with no uploads it is insertJob', async () => {
      const inserted = await store.insertJobWithUploads(job('JAAAAAAAAAAAAAA2'), []);
      expect(await store.getJob('JAAAAAAAAAAAAAA2')).toEqual(inserted);
      expect(inserted.serviceRevision).toBe('rev1');
    });

    test('a job that cannot be inserted leaves no upload record', async () => {
      await store.insertJob(job('JAAAAAAAAAAAAAA3'));
      expect(
        await refused(
          store.insertJobWithUploads(job('JAAAAAAAAAAAAAA3'), [upload('UAAAAAAAAAAAAAA3')]),
        ),
      ).toBe(true);
      expect(await store.getUpload('UAAAAAAAAAAAAAA3')).toBeNull();
    });

    test('an upload that cannot be recorded leaves no job', async () => {
      await store.insertUpload(upload('UAAAAAAAAAAAAAA4'));
      expect(
        await refused(
          store.insertJobWithUploads(job('JAAAAAAAAAAAAAA4'), [
            upload('UAAAAAAAAAAAAAA5'),
            upload('UAAAAAAAAAAAAAA4'),
          ]),
        ),
      ).toBe(true);
      expect(await store.getJob('JAAAAAAAAAAAAAA4')).toBeNull();
      expect(await store.getUpload('UAAAAAAAAAAAAAA5')).toBeNull();
    });

    test('concurrent submissions settle one by one: a failing one takes no other down', async () => {
      await store.insertJob(job('JAAAAAAAAAAAAAB0'));
      const ids = ['JAAAAAAAAAAAAAB1', 'JAAAAAAAAAAAAAB0', 'JAAAAAAAAAAAAAB2'];
      const outcomes = await Promise.allSettled(
        ids.map((id, i) => store.insertJobWithUploads(job(id), [upload(`UAAAAAAAAAAAAAB${i}`)])),
      );
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await store.getUpload('UAAAAAAAAAAAAAB0')).not.toBeNull();
      expect(await store.getUpload('UAAAAAAAAAAAAAB1')).toBeNull();
      expect(await store.getUpload('UAAAAAAAAAAAAAB2')).not.toBeNull();
      expect((await store.getJob('JAAAAAAAAAAAAAB2'))?.id).toBe('JAAAAAAAAAAAAAB2');
    });
  });
}
