import {
  followToCompleted,
  FORM_PARAMETERS,
  interleaved,
  makeHome,
  median,
  percentile,
  report,
  type SubmittedJob,
  trueService,
  withProcesses,
} from './bench-lib';

/**
 * Issue 17: a result-cache hit answers at least 5× faster than running `true`, both measured as
 * submit → COMPLETED seen by the client, in the same run on the same server. The run goes through
 * the whole path (claim, agent, spawn, report); a hit is answered by the submission itself. Both
 * services take the same form (3 fields + a 1 KB file), so only the cache differs.
 */
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const GOAL_RATIO = 5;

const service = (cache: boolean): string => trueService({ parameters: FORM_PARAMETERS, cache });

function form(tag: string): FormData {
  const data = new FormData();
  data.append('a', 'alpha');
  data.append('b', 'beta');
  data.append('c', tag);
  data.append('input', new Blob([Buffer.alloc(1024, 'A')]), 'input.txt');
  return data;
}

/** Submits and follows the job (long-poll) until it is COMPLETED; returns the milliseconds. */
async function submitToCompleted(baseUrl: string, sid: string, tag: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}/api/services/${sid}/jobs`, {
    method: 'POST',
    body: form(tag),
  });
  const job = (await res.json()) as SubmittedJob;
  if (res.status !== 202) throw new Error(`submit answered ${res.status}`);
  await followToCompleted(baseUrl, job);
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const home = await makeHome(
    { run: service(false), cached: service(true) },
    { 'api.watch-interval': 20, 'log.level': 'warn' },
  );
  await withProcesses(home, async () => {
    // The first submission of the cached service runs and becomes the original.
    await submitToCompleted(home.baseUrl, 'cached', 'same');
    for (let i = 0; i < 10; i++) await submitToCompleted(home.baseUrl, 'run', `warm-${i}`);
    const [runs, hits] = await interleaved(
      SAMPLES,
      50,
      (i) => submitToCompleted(home.baseUrl, 'run', `run-${i}`),
      () => submitToCompleted(home.baseUrl, 'cached', 'same'),
    );
    const ratio = median(runs) / median(hits);
    report('result-cache', {
      samples: SAMPLES,
      runP50Ms: Number(median(runs).toFixed(2)),
      runP99Ms: Number(percentile(runs, 99).toFixed(2)),
      hitP50Ms: Number(median(hits).toFixed(2)),
      hitP99Ms: Number(percentile(hits, 99).toFixed(2)),
      runOverHitP50: Number(ratio.toFixed(2)),
      goal: `≥ ${GOAL_RATIO}`,
      met: ratio >= GOAL_RATIO,
    });
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
