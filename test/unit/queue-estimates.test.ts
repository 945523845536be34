import { estimateStart, summariseRuns } from '../../src/http/queue-estimates';

const run = (startS: number, endS: number) => ({
  startedAt: new Date(startS * 1000),
  completedAt: new Date(endS * 1000),
});

describe('start estimates', () => {
  it('average the run times and count the runs that overlapped', () => {
    expect(summariseRuns([])).toBeNull();
    expect(summariseRuns([run(0, 10), run(20, 40)])).toEqual({ averageRunMs: 15_000, slots: 1 });
    // Three at once at 5 s; a run starting as another ends is not an overlap.
    expect(summariseRuns([run(0, 10), run(2, 12), run(5, 9), run(12, 20)])).toMatchObject({
      slots: 3,
    });
  });

  it('put a job after the rounds of jobs ahead of it, never before its not-before time', () => {
    const stats = { averageRunMs: 60_000, slots: 2 };
    expect(estimateStart({ notBefore: null }, 0, stats, 1000)).toEqual(new Date(1000));
    expect(estimateStart({ notBefore: null }, 1, stats, 1000)).toEqual(new Date(1000));
    expect(estimateStart({ notBefore: null }, 5, stats, 1000)).toEqual(new Date(121_000));
    expect(estimateStart({ notBefore: new Date(500_000) }, 5, stats, 1000)).toEqual(
      new Date(500_000),
    );
    expect(estimateStart({ notBefore: null }, 5, null, 1000)).toBeNull();
  });
});
