import type { JobStore } from '../../src/store/job-store';

const at = (s: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

/** Contract for what an administrator sets and what the scheduler publishes about its agents. */
export function adminRecordsContract(name: string, open: () => Promise<JobStore>): void {
  describe(`${name}: admin records`, () => {
    let store: JobStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(() => store.close());

    test('a pause is kept until resumed; pausing again only changes the reason', async () => {
      expect(await store.admin.listPauses()).toEqual([]);
      const first = {
        kind: 'service' as const,
        name: 'sleep',
        reason: 'disk swap',
        pausedBy: 'ops',
        pausedAt: at(1),
      };
      expect(await store.admin.pause(first)).toBe(true);
      expect(
        await store.admin.pause({ ...first, reason: 'longer', pausedBy: 'x', pausedAt: at(2) }),
      ).toBe(false);
      expect(
        await store.admin.pause({
          kind: 'runner',
          name: 'slurm',
          reason: null,
          pausedBy: 'ops',
          pausedAt: at(3),
        }),
      ).toBe(true);
      // A service and a runner kind of the same name are different targets.
      expect(
        await store.admin.pause({ ...first, kind: 'runner', name: 'sleep', pausedAt: at(4) }),
      ).toBe(true);
      expect(await store.admin.listPauses()).toEqual([
        { kind: 'runner', name: 'sleep', reason: 'disk swap', pausedBy: 'ops', pausedAt: at(4) },
        { kind: 'runner', name: 'slurm', reason: null, pausedBy: 'ops', pausedAt: at(3) },
        { kind: 'service', name: 'sleep', reason: 'longer', pausedBy: 'ops', pausedAt: at(1) },
      ]);
      expect(await store.admin.resume('service', 'sleep')).toBe(true);
      expect(await store.admin.resume('service', 'sleep')).toBe(false);
      expect((await store.admin.listPauses()).map((p) => `${p.kind}:${p.name}`)).toEqual([
        'runner:sleep',
        'runner:slurm',
      ]);
    });

    test('a drain is requested once and ended by undrain', async () => {
      const request = { agent: 'local@a', requestedBy: 'ops', requestedAt: at(5) };
      expect(await store.admin.drain(request)).toBe(true);
      expect(
        await store.admin.drain({ ...request, requestedBy: 'other', requestedAt: at(6) }),
      ).toBe(false);
      expect(await store.admin.listDrains()).toEqual([request]);
      expect(await store.admin.undrain('local@a')).toBe(true);
      expect(await store.admin.undrain('local@a')).toBe(false);
      expect(await store.admin.listDrains()).toEqual([]);
    });

    test('agents are upserted by name, listed by name, and forgotten by age', async () => {
      const a = {
        name: 'local@b',
        kinds: ['local'],
        slots: 4,
        busy: 2,
        jobIds: ['J1', 'J2'],
        lastHeardAt: at(10),
        publishedAt: at(11),
      };
      const b = { ...a, name: 'slurm@a', kinds: ['slurm'], busy: 0, jobIds: [], slots: 1000 };
      await store.admin.saveAgents([a, b]);
      await store.admin.saveAgents([]);
      expect(await store.admin.listAgents()).toEqual([a, b]);
      const later = { ...a, busy: 0, jobIds: [], lastHeardAt: at(20), publishedAt: at(21) };
      await store.admin.saveAgents([later]);
      expect(await store.admin.listAgents()).toEqual([later, b]);
      expect(await store.admin.forgetAgentsBefore(at(15))).toBe(1);
      expect(await store.admin.listAgents()).toEqual([later]);
    });
  });
}
