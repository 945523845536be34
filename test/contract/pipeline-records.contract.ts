import { isWaitingStep, newJobId, type NewPipeline } from '../../src/jobs';
import type { JobStore } from '../../src/store/job-store';
import { newJob, type StoreFactory } from './job-store-contract';

/** A chain a → b: `a` a root, `b` reading a's output through a stand-in token. */
function chain(): { pipeline: NewPipeline; a: string; b: string } {
  const a = newJobId();
  const b = newJobId();
  const pipeline: NewPipeline = {
    id: newJobId(),
    steps: [
      { name: 'a', service: 'head', jobId: a, after: [], references: [] },
      {
        name: 'b',
        service: 'head',
        jobId: b,
        after: ['a'],
        references: [{ parameter: 'input', token: 'tok', from: 'a', output: 'out' }],
      },
    ],
  };
  return { pipeline, a, b };
}

async function insertChain(store: JobStore) {
  const c = chain();
  await store.pipelines.insertPipeline(c.pipeline, [
    { job: newJob({ id: c.a }), root: true },
    {
      job: newJob({ id: c.b, inputs: { input: 'tok' }, parameters: { input: 'tok' } }),
      root: false,
    },
  ]);
  return c;
}

/** Pipelines and step release, run against each store. */
export function pipelineRecordsContract(factory: StoreFactory): void {
  let store: JobStore;
  beforeEach(async () => {
    store = await factory.open();
  });
  afterEach(async () => {
    await factory.dispose(store);
  });

  it('records a pipeline with its roots PENDING and the rest waiting, never claimable', async () => {
    const { pipeline, a, b } = await insertChain(store);
    const got = await store.pipelines.getPipeline(pipeline.id);
    expect(got?.steps.map((s) => s.name)).toEqual(['a', 'b']);
    expect(got?.ended).toBe(false);
    const root = await store.getJob(a);
    const waiting = await store.getJob(b);
    expect(root?.state).toBe('PENDING');
    expect(root?.pipeline).toBe(pipeline.id);
    expect(waiting?.state).toBe('QUEUED');
    expect(waiting && isWaitingStep(waiting)).toBe(true);
    const claimed = await store.claimPending('s1', 60_000, 10);
    expect(claimed.map((j) => j.id)).toEqual([a]);
    expect(await store.listActive(10)).toEqual([expect.objectContaining({ id: a })]);
    const jobs = await store.pipelines.getJobs([a, b, newJobId()]);
    expect(jobs.map((j) => j.id).sort()).toEqual([a, b].sort());
  });

  it('releases a waiting step exactly once, with its resolved inputs, even when raced', async () => {
    const { b } = await insertChain(store);
    const attempts = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        store.pipelines.releaseStep(b, { input: `/jobs/x/out-${i}` }, { input: `x/out-${i}` }),
      ),
    );
    const won = attempts.filter((j) => j !== null);
    expect(won).toHaveLength(1);
    const job = await store.getJob(b);
    expect(job?.state).toBe('PENDING');
    expect(job?.notBefore).toBeNull();
    expect(job?.inputs).toEqual(won[0]?.inputs);
    expect(job?.history.map((h) => h.state)).toEqual(['QUEUED', 'PENDING']);
    // Claimable now, and a later release (a restarted scheduler's) changes nothing.
    const claimed = await store.claimPending('s1', 60_000, 10, 'head');
    expect(claimed.map((j) => j.id)).toContain(b);
    expect(await store.pipelines.releaseStep(b, { input: 'late' }, { input: 'late' })).toBeNull();
    expect((await store.getJob(b))?.state).toBe('ACCEPTED');
  });

  it('never releases a lone job, a root or a step ended while it waited', async () => {
    const lone = await store.insertJob(newJob({ notBefore: new Date(Date.now() + 60_000) }));
    expect(await store.pipelines.releaseStep(lone.id, {}, {})).toBeNull();
    const { a, b } = await insertChain(store);
    expect(await store.pipelines.releaseStep(a, {}, {})).toBeNull();
    const cancelled = await store.requestCancel(b);
    expect(cancelled.kind).toBe('deleted');
    expect(await store.pipelines.releaseStep(b, {}, {})).toBeNull();
    expect((await store.getJob(b))?.state).toBe('DELETED');
  });

  it('ends a waiting step once, with its reason, and never a released one', async () => {
    const { a, b } = await insertChain(store);
    const raced = await Promise.all([
      store.pipelines.endWaitingStep(b, 'DELETED', "pipeline step 'a' ended FAILED"),
      store.pipelines.releaseStep(b, { input: '/x' }, { input: 'x' }),
    ]);
    expect(raced.filter((j) => j !== null)).toHaveLength(1);
    const job = await store.getJob(b);
    if (job?.state === 'DELETED') {
      expect(job.reason).toBe("pipeline step 'a' ended FAILED");
      expect(job.completedAt).not.toBeNull();
    } else {
      expect(job?.state).toBe('PENDING');
    }
    expect(await store.pipelines.endWaitingStep(b, 'ERROR', 'late')).toBeNull();
    expect(await store.pipelines.endWaitingStep(a, 'ERROR', 'a root never waits')).toBeNull();
    expect((await store.getJob(a))?.state).toBe('PENDING');
  });

  it('lists open pipelines oldest first until they are marked ended', async () => {
    const first = await insertChain(store);
    const second = await insertChain(store);
    const open = (await store.pipelines.listOpen(100)).map((p) => p.id);
    expect(open.indexOf(first.pipeline.id)).toBeLessThan(open.indexOf(second.pipeline.id));
    await store.pipelines.markEnded(first.pipeline.id);
    const after = (await store.pipelines.listOpen(100)).map((p) => p.id);
    expect(after).not.toContain(first.pipeline.id);
    expect(after).toContain(second.pipeline.id);
    expect((await store.pipelines.getPipeline(first.pipeline.id))?.ended).toBe(true);
    expect(await store.pipelines.getPipeline(newJobId())).toBeNull();
  });
}
