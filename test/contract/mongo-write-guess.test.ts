import { MongoClient } from 'mongodb';
import { MongoJobStore } from '../../src/store/mongodb/mongo-job-store';
import {
  describeWithMongo,
  startMongoServer,
  uniqueDatabaseName,
  type MongoServer,
} from '../helpers/ferretdb';
import { newJob } from './job-store-contract';

jest.setTimeout(120_000);

/**
 * A store writes a job it wrote last without reading it first (JobWriter's guess). These check
 * that the guess never hides another process's write, and that it does save the read.
 */
describeWithMongo()('MongoDB store: writes that skip the read', () => {
  let server: MongoServer;
  let scheduler: MongoJobStore;
  let other: MongoJobStore;

  beforeAll(async () => {
    server = await startMongoServer();
    const database = uniqueDatabaseName();
    scheduler = new MongoJobStore({ url: server.url, database });
    other = new MongoJobStore({ url: server.url, database });
  });
  afterAll(async () => {
    await scheduler?.close();
    await other?.close();
    await server?.dispose();
  });

  /** Counts the `find` commands on `jobs` that the scheduler's store sends while `action` runs. */
  async function jobReads(action: () => Promise<unknown>): Promise<number> {
    // The store's client is private; its command events are the driver's own count.
    const client = (scheduler as unknown as { client: MongoClient }).client;
    const finds: string[] = [];
    const listener = (event: { commandName: string; command: Record<string, unknown> }): void => {
      if (event.commandName === 'find' && event.command.find === 'jobs') finds.push('find');
    };
    Reflect.set(client, 'monitorCommands', true);
    client.on('commandStarted', listener);
    try {
      await action();
    } finally {
      client.off('commandStarted', listener);
    }
    return finds.length;
  }

  it('writes a job it wrote last without reading it', async () => {
    const job = await scheduler.insertJob(newJob({ service: 'guess-read' }));
    const [claimed] = await scheduler.claimPending('s1', 60_000, 1, 'guess-read');
    expect(claimed.id).toBe(job.id);
    const reads = await jobReads(async () => {
      expect(await scheduler.transition(job.id, 'QUEUED', claimed.fencingToken)).not.toBeNull();
      expect(await scheduler.transition(job.id, 'RUNNING', claimed.fencingToken)).not.toBeNull();
    });
    expect(reads).toBe(0);
  });

  it("sees another process's write: a change made meanwhile is kept, not overwritten", async () => {
    const job = await scheduler.insertJob(newJob({ service: 'guess-kept' }));
    const [claimed] = await scheduler.claimPending('s1', 60_000, 1, 'guess-kept');
    // Another process moves the job on (with the right token) behind the scheduler's back.
    const queued = await other.transition(job.id, 'QUEUED', claimed.fencingToken, {
      externalId: 'ext-1',
    });
    expect(queued?.externalId).toBe('ext-1');
    const running = await scheduler.transition(job.id, 'RUNNING', claimed.fencingToken);
    expect(running).toMatchObject({ state: 'RUNNING', externalId: 'ext-1' });
    expect(await other.getJob(job.id)).toMatchObject({ state: 'RUNNING', externalId: 'ext-1' });
  });

  it('refuses on the job as it stands: a cancellation meanwhile wins over the guess', async () => {
    const job = await scheduler.insertJob(newJob({ service: 'guess-cancel' }));
    const [claimed] = await scheduler.claimPending('s1', 60_000, 1, 'guess-cancel');
    expect((await other.requestCancel(job.id)).kind).toBe('deleted');
    expect(await scheduler.transition(job.id, 'QUEUED', claimed.fencingToken)).toBeNull();
    expect((await scheduler.getJob(job.id))?.state).toBe('DELETED');
  });

  it('a claim by another process meanwhile makes the old token stale', async () => {
    const job = await scheduler.insertJob(newJob({ service: 'guess-stale' }));
    const [first] = await scheduler.claimPending('s1', 60_000, 1, 'guess-stale');
    // Lost attempt, sent back to PENDING by another process, then claimed there again.
    expect(
      await other.transition(job.id, 'PENDING', first.fencingToken, { lost: true }),
    ).not.toBeNull();
    const [second] = await other.claimPending('s2', 60_000, 1, 'guess-stale');
    expect(second.fencingToken).not.toBe(first.fencingToken);
    const before = await scheduler.staleWriteCount();
    expect(await scheduler.transition(job.id, 'QUEUED', first.fencingToken)).toBeNull();
    expect(await scheduler.staleWriteCount()).toBe(before + 1);
    expect(await other.transition(job.id, 'QUEUED', second.fencingToken)).toMatchObject({
      state: 'QUEUED',
      leaseOwner: 's2',
    });
  });
});
