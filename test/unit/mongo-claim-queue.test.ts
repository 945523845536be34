import { dueInClaimOrder, summarise, type QueueEntry } from '../../src/store/mongodb/claim-queue';

const NOW = Date.UTC(2026, 0, 1);
const entry = (
  id: string,
  service: string,
  priority = 0,
  notBeforeMs: number | null = null,
): QueueEntry => ({
  _id: `${id}@0`,
  jobId: id,
  service,
  priority,
  notBefore: notBeforeMs === null ? null : new Date(notBeforeMs),
  version: 0,
  queuedAt: new Date(NOW),
});

describe('the Mongo claim queue', () => {
  it('summarises due entries per service by name, and the earliest not-before ahead', () => {
    const summary = summarise(
      [
        entry('1', 'zeta'),
        entry('2', 'alpha', 0, NOW),
        entry('3', 'zeta', 0, NOW + 5000),
        entry('4', 'beta', 0, NOW + 2000),
        entry('5', 'zeta', 3, NOW - 1),
      ],
      NOW,
    );
    expect(summary).toEqual({
      services: [
        { service: 'alpha', due: 1 },
        { service: 'zeta', due: 2 },
      ],
      nextDueAt: new Date(NOW + 2000),
    });
    expect(summarise([], NOW)).toEqual({ services: [], nextDueAt: null });
  });

  it('counts a job with entries of two waits once', () => {
    const again = { ...entry('1', 'zeta'), _id: '1@3', version: 3 };
    expect(summarise([entry('1', 'zeta'), again, entry('2', 'zeta')], NOW).services).toEqual([
      { service: 'zeta', due: 2 },
    ]);
  });

  it('orders due entries by priority, keeping queue order within a priority', () => {
    const window = [
      entry('a', 's'),
      entry('b', 's', 5, NOW + 1),
      entry('c', 's', 2),
      entry('d', 's'),
      entry('e', 's', 2),
    ];
    expect(dueInClaimOrder(window, NOW).map((e) => e.jobId)).toEqual(['c', 'e', 'a', 'd']);
  });
});
