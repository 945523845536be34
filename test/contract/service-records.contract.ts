import type { JobStore } from '../../src/store/job-store';

/**
 * Contract for the JobStore operations behind service files: definitions kept for jobs, and
 * health-test outcomes. Run against every store implementation.
 */
export function serviceRecordsContract(name: string, open: () => Promise<JobStore>): void {
  describe(`${name}: service revisions and status records`, () => {
    let store: JobStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(() => store.close());

    test('a saved revision is found again; saving it twice keeps the first', async () => {
      const revision = {
        service: 'svc',
        revision: 'abc123',
        file: '/s/svc.service.yaml',
        definition: '{"a":1}',
      };
      await store.saveServiceRevision(revision);
      await store.saveServiceRevision({ ...revision, definition: '{"a":2}' });
      expect(await store.getServiceRevision('svc', 'abc123')).toEqual(revision);
      expect(await store.getServiceRevision('svc', 'other')).toBeNull();
      expect(await store.getServiceRevision('other', 'abc123')).toBeNull();
    });

    test('a job remembers the revision it was submitted with', async () => {
      const job = await store.insertJob({
        id: 'AAAAAAAAAAAAAAAB',
        service: 'svc',
        inputs: {},
        parameters: {},
        workDir: 'AB/AA/AAAAAAAAAAAA',
        serviceRevision: 'abc123',
      });
      expect(job.serviceRevision).toBe('abc123');
      expect((await store.getJob(job.id))?.serviceRevision).toBe('abc123');
      const plain = await store.insertJob({
        id: 'AAAAAAAAAAAAAAAC',
        service: 'svc',
        inputs: {},
        parameters: {},
        workDir: 'AC/AA/AAAAAAAAAAAA',
      });
      expect(plain.serviceRevision).toBeNull();
    });

    test('the current status is the latest record per service and runner', async () => {
      const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
      await store.recordServiceStatus({
        service: 'a',
        runner: 'r1',
        status: 'DOWN',
        message: 'x',
        recordedAt: at(1),
      });
      await store.recordServiceStatus({
        service: 'a',
        runner: 'r1',
        status: 'OK',
        message: '',
        recordedAt: at(2),
      });
      await store.recordServiceStatus({
        service: 'a',
        runner: 'r2',
        status: 'WARNING',
        message: 'timeout',
        recordedAt: at(3),
      });
      await store.recordServiceStatus({
        service: 'b',
        runner: 'r1',
        status: 'DOWN',
        message: 'boom',
        recordedAt: at(4),
      });
      const current = await store.currentServiceStatuses();
      expect(current).toEqual([
        { service: 'a', runner: 'r1', status: 'OK', message: '', recordedAt: at(2) },
        { service: 'a', runner: 'r2', status: 'WARNING', message: 'timeout', recordedAt: at(3) },
        { service: 'b', runner: 'r1', status: 'DOWN', message: 'boom', recordedAt: at(4) },
      ]);
    });
  });
}
