import { mergeJobs, MyJobs } from '../../public/src/my-jobs';
import { tickStep, usageTable } from '../../public/src/usage-chart';

/** The Storage methods MyJobs uses, over a Map (Node has no localStorage). */
function memoryStorage() {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  };
}

describe('usage table for the plot', () => {
  it('orders months ascending and services by total, filling gaps with zero', () => {
    const t = usageTable([
      { month: '2026-02', service: 'b', count: 1 },
      { month: '2026-01', service: 'a', count: 2 },
      { month: '2026-02', service: 'a', count: 5 },
      { month: '2026-03', service: 'c', count: 1 },
    ]);
    expect(t.months).toEqual(['2026-01', '2026-02', '2026-03']);
    expect(t.services).toEqual(['a', 'b', 'c']);
    expect(t.counts).toEqual([
      [2, 0, 0],
      [5, 1, 0],
      [0, 0, 1],
    ]);
    expect(t.max).toBe(6);
  });

  it('is empty without rows', () => {
    expect(usageTable([])).toEqual({ months: [], services: [], counts: [], max: 0 });
  });

  it('picks round axis steps', () => {
    expect([3, 7, 12, 48, 95, 1000, 2600].map(tickStep)).toEqual([1, 2, 5, 10, 20, 200, 1000]);
  });
});

describe('my jobs, kept in browser storage', () => {
  it('lists newest first, replaces a job added twice and forgets on request', () => {
    const storage = memoryStorage();
    const jobs = new MyJobs(storage);
    jobs.add({ id: 'a', service: 's', serviceName: 'S', submittedAt: '2026-01-01T10:00:00.000Z' });
    jobs.add({ id: 'b', service: 's', serviceName: 'S', submittedAt: '2026-01-01T11:00:00.000Z' });
    jobs.add({ id: 'c', service: 's', serviceName: 'S', submittedAt: '2026-01-01T09:00:00.000Z' });
    expect(jobs.list().map((j) => j.id)).toEqual(['b', 'a', 'c']);
    jobs.add({ id: 'a', service: 's', serviceName: 'S', submittedAt: '2026-01-01T12:00:00.000Z' });
    expect(jobs.list().map((j) => j.id)).toEqual(['a', 'b', 'c']);
    jobs.update('b', 'COMPLETED');
    jobs.setOutputs('b', [{ id: 'b/stdout', label: 'Standard output' }]);
    expect(new MyJobs(storage).list()[1]).toMatchObject({ status: 'COMPLETED' });
    expect(jobs.knownFiles()).toEqual([{ id: 'b/stdout', label: 'S: Standard output' }]);
    jobs.remove('a');
    expect(jobs.list().map((j) => j.id)).toEqual(['b', 'c']);
    jobs.clear();
    expect(jobs.list()).toEqual([]);
  });

  it('survives storage holding something that is not its list', () => {
    const storage = memoryStorage();
    storage.setItem('damson.my-jobs.v1', '{not json');
    expect(new MyJobs(storage).list()).toEqual([]);
    storage.setItem(
      'damson.my-jobs.v1',
      JSON.stringify([{ id: 1 }, null, { id: 'x', service: 's' }]),
    );
    expect(new MyJobs(storage).list().map((j) => j.id)).toEqual(['x']);
  });
});

describe('my jobs, merged with the server’s list', () => {
  it('keeps each job once, the server’s state, this browser’s names, newest first', () => {
    const merged = mergeJobs(
      [
        {
          id: 'a',
          service: 'words',
          serviceName: 'Word formatter',
          submittedAt: '2026-01-02T00:00:00Z',
          status: 'QUEUED',
        },
        {
          id: 'b',
          service: 'words',
          serviceName: 'Word formatter',
          submittedAt: '2026-01-01T00:00:00Z',
        },
      ],
      [
        { id: 'a', service: 'words', submissionTime: '2026-01-02T00:00:00Z', status: 'COMPLETED' },
        { id: 'c', service: 'sleep', submissionTime: '2026-01-03T00:00:00Z', status: 'RUNNING' },
      ],
    );
    expect(merged.map((j) => [j.id, j.serviceName, j.status])).toEqual([
      ['c', 'sleep', 'RUNNING'],
      ['a', 'Word formatter', 'COMPLETED'],
      ['b', 'Word formatter', undefined],
    ]);
  });

  it('reads the server’s zone-less times as UTC', () => {
    const [job] = mergeJobs(
      [],
      [{ id: 'a', service: 'words', submissionTime: '2026-01-02T03:04:05', status: 'QUEUED' }],
    );
    expect(job.submittedAt).toBe('2026-01-02T03:04:05.000Z');
  });

  it('ignores listed entries that are not jobs', () => {
    const hostile = [null, { id: 1 }, { id: 'x' }] as unknown as Parameters<typeof mergeJobs>[1];
    expect(mergeJobs([], hostile)).toEqual([]);
  });
});
