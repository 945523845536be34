import { newJobId } from '../../src/jobs';
import type { JobStore } from '../../src/store/job-store';
import { jobIn, newJob, type StoreFactory } from './job-store-contract';

/** Job counts and heartbeats, run against each store. */
export function operationsRecordsContract(factory: StoreFactory): void {
  let store: JobStore;
  beforeEach(async () => {
    store = await factory.open();
  });
  afterEach(async () => {
    await factory.dispose(store);
  });

  it('counts jobs per service and state, every state and service present', async () => {
    const a = `a-${newJobId()}`;
    const b = `b-${newJobId()}`;
    for (let i = 0; i < 3; i++) await jobIn(store, 'COMPLETED', newJob({ service: a }));
    await jobIn(store, 'PENDING', newJob({ service: a }));
    await jobIn(store, 'RUNNING', newJob({ service: b }));
    await jobIn(store, 'FAILED', newJob({ service: b }));
    const counts = (await store.operations.jobCounts()).filter(
      (c) => c.service === a || c.service === b,
    );
    const key = (c: { service: string; state: string }): string => `${c.service}/${c.state}`;
    expect(new Map(counts.map((c) => [key(c), c.count]))).toEqual(
      new Map([
        [`${a}/COMPLETED`, 3],
        [`${a}/PENDING`, 1],
        [`${b}/RUNNING`, 1],
        [`${b}/FAILED`, 1],
      ]),
    );
  });

  it('keeps the latest heartbeat per role, and none for a role never heard from', async () => {
    const role = `scheduler-${newJobId()}`;
    expect(await store.operations.lastHeartbeat(role)).toBeNull();
    await store.operations.recordHeartbeat(role, { owner: 'one', at: new Date(1_000_000) });
    await store.operations.recordHeartbeat(role, { owner: 'two', at: new Date(2_000_000) });
    expect(await store.operations.lastHeartbeat(role)).toEqual({
      owner: 'two',
      at: new Date(2_000_000),
    });
    expect(await store.operations.lastHeartbeat(`${role}-other`)).toBeNull();
  });
}
