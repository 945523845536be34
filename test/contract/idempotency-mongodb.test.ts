import { createHash } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoJobStore } from '../../src/store/mongodb/mongo-job-store';
import { describeWithMongo, mongoStoreFactory } from '../helpers/ferretdb';
import { idempotencyContract } from './idempotency.contract';
import { idempotentSubmissionContract } from './idempotent-submission.contract';

jest.setTimeout(120_000);

describeWithMongo()('MongoDB store: idempotency keys', () => {
  const openStore = mongoStoreFactory();

  idempotencyContract('mongodb', openStore);
  idempotentSubmissionContract('mongodb', () => openStore());

  // Without transactions the key goes in before its job: a writer that dies between the two
  // leaves a key whose job the next reader records, once.
  test('a key written by a writer that died before its job is finished by the next reader', async () => {
    const database = openStore.database();
    const store = new MongoJobStore({ url: openStore.url(), database });
    await store.ping();
    const client = new MongoClient(openStore.url());
    try {
      const createdAt = new Date();
      const newJob = {
        id: 'JIDEMCRASHED0001',
        service: 'svc',
        inputs: { text: 'x' },
        parameters: { text: 'x' },
        workDir: 'JI/DEMCRASHED0001',
      };
      await client
        .db(database)
        .collection<{ _id: string; [field: string]: unknown }>('idempotency_keys')
        .insertOne({
          _id: createHash('sha256').update('ip:1').update('\0').update('k-crash1').digest('hex'),
          scope: 'ip:1',
          key: 'k-crash1',
          requestHash: 'h',
          jobId: newJob.id,
          createdAt,
          expiresAt: new Date(createdAt.getTime() + 60_000),
          job: newJob,
          uploads: [],
        });
      expect(await store.getJob(newJob.id)).toBeNull();
      const found = await Promise.all([
        store.findIdempotencyKey('ip:1', 'k-crash1', createdAt),
        store.findIdempotencyKey('ip:1', 'k-crash1', createdAt),
      ]);
      expect(found.map((r) => r?.jobId)).toEqual([newJob.id, newJob.id]);
      expect((await store.getJob(newJob.id))?.state).toBe('PENDING');
      // A retry racing the recovery still gets the one job.
      const retry = await store.insertJobOnce(
        { ...found[0]!, jobId: 'JIDEMCRASHED0002' },
        { ...newJob, id: 'JIDEMCRASHED0002' },
        [],
      );
      expect(retry.kind === 'existing' && retry.record.jobId).toBe(newJob.id);
      expect(await store.getJob('JIDEMCRASHED0002')).toBeNull();
    } finally {
      await client.close();
      await store.close();
    }
  });
});
