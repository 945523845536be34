import { Writable } from 'node:stream';
import pino from 'pino';
import type { AgentInfo, HeldJob } from '../../src/scheduler/agent-link';
import { AdminControls, MAX_PUBLISHED_JOB_IDS } from '../../src/scheduler/admin-controls';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';

const held = (purpose: HeldJob['purpose']): HeldJob => ({
  service: 's',
  runner: 'default',
  fencingToken: 1,
  purpose,
});

/** An agent holding these jobs and, after them, these health-test runs. */
function agent(name: string, jobIds: string[], slots = 2, testRunIds: string[] = []): AgentInfo {
  return {
    routingId: Buffer.from(name),
    name,
    bootId: 'boot',
    kinds: ['local'],
    slots,
    lastHeardAt: Date.UTC(2026, 0, 1),
    jobs: new Map([
      ...jobIds.map((id) => [id, held('job')] as const),
      ...testRunIds.map((id) => [id, held('service-test')] as const),
    ]),
    unacked: new Map(),
  };
}

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('the admin controls the scheduler obeys', () => {
  let store: SqliteJobStore;
  beforeEach(() => {
    store = new SqliteJobStore(':memory:');
  });
  afterEach(() => store.close());

  test('pauses hold a service or a runner kind; drains close an agent to new work', async () => {
    const { log } = capturingLogger();
    const controls = new AdminControls(store, 1000, log);
    const at = new Date();
    await store.admin.pause({
      kind: 'service',
      name: 'a',
      reason: null,
      pausedBy: 'o',
      pausedAt: at,
    });
    await store.admin.pause({
      kind: 'runner',
      name: 'slurm',
      reason: null,
      pausedBy: 'o',
      pausedAt: at,
    });
    await store.admin.drain({ agent: 'one', requestedBy: 'o', requestedAt: at });
    const agents = [agent('one', []), agent('two', [])];
    expect(controls.holds('a', 'local')).toBe(false);
    expect(controls.open(agents)).toHaveLength(2);
    await controls.read();
    expect(controls.holds('a', 'local')).toBe(true);
    expect(controls.holds('b', 'slurm')).toBe(true);
    expect(controls.holds('b', 'local')).toBe(false);
    expect(controls.holds('b', undefined)).toBe(false);
    expect(controls.open(agents).map((a) => a.name)).toEqual(['two']);
    await store.admin.resume('service', 'a');
    await store.admin.undrain('one');
    await controls.read();
    expect(controls.holds('a', 'local')).toBe(false);
    expect(controls.open(agents)).toHaveLength(2);
  });

  test('a store that fails keeps the last controls (an outage never resumes a service)', async () => {
    const { log, lines } = capturingLogger();
    const controls = new AdminControls(store, 1000, log);
    await store.admin.pause({
      kind: 'service',
      name: 'a',
      reason: null,
      pausedBy: 'o',
      pausedAt: new Date(),
    });
    await controls.read();
    const listPauses = jest
      .spyOn(store.admin, 'listPauses')
      .mockRejectedValue(new Error('store down'));
    await controls.read();
    expect(controls.holds('a', undefined)).toBe(true);
    listPauses.mockRestore();
    await flush();
    expect(lines.some((l) => l.level === 40)).toBe(true);
  });

  test('agents are published at most once per interval; a drained one is logged once', async () => {
    const { log, lines } = capturingLogger();
    const controls = new AdminControls(store, 1000, log);
    await store.admin.drain({ agent: 'one', requestedBy: 'o', requestedAt: new Date() });
    const busy = agent('one', ['J1'], 2, ['service-test-x']);
    await controls.refresh([busy], 10_000);
    expect(await store.admin.listAgents()).toEqual([
      expect.objectContaining({ name: 'one', busy: 2, jobIds: ['J1'], slots: 2 }),
    ]);
    const idle = agent('one', []);
    await controls.refresh([idle], 10_500);
    expect((await store.admin.listAgents())[0].busy).toBe(2);
    await controls.refresh([idle], 11_000);
    await controls.refresh([idle], 12_000);
    expect((await store.admin.listAgents())[0]).toMatchObject({ busy: 0, jobIds: [] });
    await flush();
    const drained = lines.filter((l) => l.agent === 'one');
    expect(drained).toHaveLength(1);
    expect(drained[0].msg).toMatch(/agent drained/);
  });

  test('a cluster agent holding many jobs publishes a bounded list of them', async () => {
    const { log } = capturingLogger();
    const controls = new AdminControls(store, 1000, log);
    const ids = Array.from({ length: MAX_PUBLISHED_JOB_IDS + 50 }, (_, i) => `J${i}`);
    await controls.refresh([agent('slurm@x', ids, 5000)], 0);
    const [record] = await store.admin.listAgents();
    expect(record.busy).toBe(ids.length);
    expect(record.jobIds).toHaveLength(MAX_PUBLISHED_JOB_IDS);
  });
});
