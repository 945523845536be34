import { median, progress, report } from './bench-lib';
import { instantDrain } from './instant-drain';

/**
 * Fair shares' cost: N jobs wait PENDING, owned by one owner, or spread round robin over
 * BENCH_OWNERS owners (100) competing for the slots; a real scheduler process drains them through
 * an agent that finishes every job at once. The one-owner drain is the baseline, measured in the
 * same run, alternating with the many-owner drain. Goal: many owners ≥ 90% of one owner's rate.
 */
const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
const SLOTS = Number(process.env.BENCH_SLOTS ?? 256);
const OWNERS = Number(process.env.BENCH_OWNERS ?? 100);

async function drain(owners: number): Promise<number> {
  const { seconds } = await instantDrain({
    jobs: JOBS,
    slots: SLOTS,
    ownerOf: (i) => `token:owner-${i % owners}`,
    pollMs: 50,
  });
  return JOBS / seconds;
}

async function main(): Promise<void> {
  const repetitions = Number(process.env.BENCH_REPETITIONS ?? 3);
  const one: number[] = [];
  const many: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    one.push(await drain(1));
    many.push(await drain(OWNERS));
    progress(
      `run ${i + 1}: 1 owner ${Math.round(one[i])}/s, ${OWNERS} owners ${Math.round(many[i])}/s`,
    );
  }
  const ratio = median(many) / median(one);
  report('owner-dispatch', {
    jobs: JOBS,
    slots: SLOTS,
    owners: OWNERS,
    baseline: { oneOwnerJobsPerSecond: Math.round(median(one)) },
    manyOwnersJobsPerSecond: Math.round(median(many)),
    ratioToOneOwner: Number(ratio.toFixed(3)),
    goal: '>= 0.9 of one owner',
    met: ratio >= 0.9,
  });
  process.exit(0);
}

void main();
