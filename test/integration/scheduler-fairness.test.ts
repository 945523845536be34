import { SchedulerHarness } from '../helpers/scheduler-harness';

jest.setTimeout(60_000);

let h: SchedulerHarness;

afterEach(async () => {
  await h?.close();
});

describe('fair and ordered dispatch', () => {
  it('runs higher-priority jobs first', async () => {
    h = await SchedulerHarness.create({ 'local-agent.slots': 1 });
    const low = [];
    for (let i = 0; i < 3; i++) low.push(await h.submit('ledger', { seconds: 0.05 }));
    const high = [];
    for (let i = 0; i < 3; i++)
      high.push(await h.submit('ledger', { seconds: 0.05 }, { priority: 5 }));
    h.scheduler();
    h.agent();
    for (const job of [...low, ...high]) await h.waitForState(job.id, ['COMPLETED']);
    const order = h.ledger();
    expect(new Set(order.slice(0, 3))).toEqual(new Set(high.map((j) => j.id)));
    expect(new Set(order.slice(3))).toEqual(new Set(low.map((j) => j.id)));
  });

  it('shares slots between competing services by weight (3 : 1)', async () => {
    h = await SchedulerHarness.create({ 'local-agent.slots': 4 });
    const heavy = new Set<string>();
    const light = new Set<string>();
    for (let i = 0; i < 12; i++) {
      heavy.add((await h.submit('heavy', { seconds: 0.3 })).id);
      light.add((await h.submit('light', { seconds: 0.3 })).id);
    }
    h.scheduler();
    h.agent();
    for (const id of [...heavy, ...light]) await h.waitForState(id, ['COMPLETED'], 30_000);
    const first = h.ledger().slice(0, 16);
    const heavyShare = first.filter((id) => heavy.has(id)).length;
    process.stdout.write(
      `weights 3:1 → first 16 runs: ${heavyShare} heavy, ${16 - heavyShare} light\n`,
    );
    expect(heavyShare).toBeGreaterThanOrEqual(11);
    expect(heavyShare).toBeLessThanOrEqual(13);
  });

  it('keeps a delayed job QUEUED, unclaimed, until its not-before time', async () => {
    h = await SchedulerHarness.create();
    h.scheduler();
    h.agent();
    const warm = await h.submit('ledger');
    await h.waitForState(warm.id, ['COMPLETED']);
    const due = new Date(Date.now() + 1500);
    const job = await h.submit('ledger', {}, { notBefore: due });
    await new Promise((r) => setTimeout(r, 1000));
    const waiting = (await h.store.getJob(job.id))!;
    expect([waiting.state, waiting.leaseOwner, waiting.attempt]).toEqual(['QUEUED', null, 0]);
    const done = await h.waitForState(job.id, ['COMPLETED']);
    expect(done.completedAt!.getTime()).toBeGreaterThanOrEqual(due.getTime());
    expect(done.completedAt!.getTime() - due.getTime()).toBeLessThan(1000);
  });
});
