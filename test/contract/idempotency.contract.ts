import type { NewJob } from '../../src/jobs';
import type { IdempotencyRecord, JobStore, Upload } from '../../src/store/job-store';

const HOUR_MS = 3_600_000;

/**
 * Contract for idempotent submission (`Idempotency-Key`) and the job fields of reruns: one job per
 * key, however many submissions race for it. Run against every store implementation.
 */
export function idempotencyContract(name: string, open: () => Promise<JobStore>): void {
  describe(`${name}: idempotency keys`, () => {
    let store: JobStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(() => store.close());

    const t0 = new Date(Date.UTC(2026, 5, 1, 12, 0, 0));
    const job = (id: string, extra: Partial<NewJob> = {}): NewJob => ({
      id,
      service: 'svc',
      inputs: { text: 'x' },
      parameters: { text: 'x' },
      workDir: `${id.slice(0, 2)}/${id.slice(2)}`,
      ...extra,
    });
    const upload = (id: string): Upload => ({
      id,
      path: `/uploads/${id}`,
      mediaType: null,
      title: 'input',
      createdAt: t0,
    });
    const record = (
      key: string,
      jobId: string,
      at = t0,
      scope = 'token:alice',
    ): IdempotencyRecord => ({
      scope,
      key,
      requestHash: `hash-of-${jobId}`,
      jobId,
      createdAt: at,
      expiresAt: new Date(at.getTime() + 24 * HOUR_MS),
    });

    test('the first submission with a key records the key, its job and uploads', async () => {
      const outcome = await store.insertJobOnce(
        record('key-0001', 'JIDEM00000000001'),
        job('JIDEM00000000001'),
        [upload('UIDEM00000000001')],
      );
      expect(outcome.kind).toBe('created');
      expect(await store.getJob('JIDEM00000000001')).not.toBeNull();
      expect(await store.getUpload('UIDEM00000000001')).not.toBeNull();
      const found = await store.findIdempotencyKey('token:alice', 'key-0001', t0);
      expect(found).toEqual(record('key-0001', 'JIDEM00000000001'));
    });

    test('a second submission with the key gets the holder, and records nothing', async () => {
      await store.insertJobOnce(
        record('key-0002', 'JIDEM00000000002'),
        job('JIDEM00000000002'),
        [],
      );
      const second = await store.insertJobOnce(
        record('key-0002', 'JIDEM00000000003'),
        job('JIDEM00000000003'),
        [upload('UIDEM00000000003')],
      );
      expect(second).toEqual({ kind: 'existing', record: record('key-0002', 'JIDEM00000000002') });
      expect(await store.getJob('JIDEM00000000003')).toBeNull();
      expect(await store.getUpload('UIDEM00000000003')).toBeNull();
    });

    test('keys of different scopes are apart', async () => {
      const a = await store.insertJobOnce(
        record('key-0003', 'JIDEM00000000004'),
        job('JIDEM00000000004'),
        [],
      );
      const b = await store.insertJobOnce(
        record('key-0003', 'JIDEM00000000005', t0, 'ip:10.0.0.1'),
        job('JIDEM00000000005'),
        [],
      );
      expect([a.kind, b.kind]).toEqual(['created', 'created']);
      expect(await store.findIdempotencyKey('ip:10.0.0.2', 'key-0003', t0)).toBeNull();
    });

    test('8 concurrent submissions with one key make one job; all learn its id', async () => {
      const ids = Array.from({ length: 8 }, (_, i) => `JIDEMCONCURRENT${i}`);
      const outcomes = await Promise.all(
        ids.map((id) => store.insertJobOnce(record('key-race', id), job(id), [])),
      );
      const created = outcomes.filter((o) => o.kind === 'created');
      expect(created).toHaveLength(1);
      const winner = created[0].kind === 'created' ? created[0].job.id : '';
      for (const o of outcomes) {
        if (o.kind === 'existing') expect(o.record.jobId).toBe(winner);
      }
      const found = await Promise.all(ids.map((id) => store.getJob(id)));
      expect(found.filter((j) => j !== null).map((j) => j?.id)).toEqual([winner]);
    });

    test('an expired key is forgotten, taken over, and swept', async () => {
      await store.insertJobOnce(
        record('key-0004', 'JIDEM00000000006'),
        job('JIDEM00000000006'),
        [],
      );
      await store.insertJobOnce(
        record('key-0005', 'JIDEM00000000007'),
        job('JIDEM00000000007'),
        [],
      );
      const later = new Date(t0.getTime() + 24 * HOUR_MS);
      expect(await store.findIdempotencyKey('token:alice', 'key-0004', later)).toBeNull();
      const again = await store.insertJobOnce(
        record('key-0004', 'JIDEM00000000008', later),
        job('JIDEM00000000008'),
        [],
      );
      expect(again.kind).toBe('created');
      // key-0005 has expired; key-0004's new record has not.
      expect(await store.deleteExpiredIdempotencyKeys(later, 100)).toBe(1);
      expect(await store.deleteExpiredIdempotencyKeys(later, 100)).toBe(0);
      expect((await store.findIdempotencyKey('token:alice', 'key-0004', later))?.jobId).toBe(
        'JIDEM00000000008',
      );
      // The jobs stay: only the keys are forgotten.
      expect(await store.getJob('JIDEM00000000007')).not.toBeNull();
    });

    test('a rerun keeps rerunOf; listing filters by submission time on both sides', async () => {
      await store.insertJob(job('JIDEM00000000009'));
      const rerun = await store.insertJob(job('JIDEM00000000010', { rerunOf: 'JIDEM00000000009' }));
      expect(rerun.rerunOf).toBe('JIDEM00000000009');
      expect((await store.getJob('JIDEM00000000010'))?.rerunOf).toBe('JIDEM00000000009');
      expect((await store.getJob('JIDEM00000000009'))?.rerunOf).toBeNull();
      const before = await store.listJobs({
        limit: 10,
        submittedBefore: new Date(rerun.submittedAt.getTime() + 1),
      });
      expect(before.jobs.map((j) => j.id)).toContain('JIDEM00000000010');
      const none = await store.listJobs({ limit: 10, submittedBefore: new Date(0) });
      expect(none.jobs).toEqual([]);
    });
  });
}
