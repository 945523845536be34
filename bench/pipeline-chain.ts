import {
  followToCompleted,
  interleaved,
  makeHome,
  median,
  percentile,
  report,
  trueService,
  withProcesses,
} from './bench-lib';

/**
 * Issue 18: the per-step overhead of a 10-step pipeline of `true` (each step reading the previous
 * step's output) is at most 1.5× the per-job latency of ten separate submissions of `true` made
 * one after another, each followed (long-poll) to COMPLETED, measured in the same run. Both start
 * at the request and end when the client sees the last job COMPLETED; rounds are interleaved so a
 * change of load on the machine touches both alike.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const STEPS = 10;
const GOAL_RATIO = 1.5;

const SERVICE = trueService({
  parameters: { input: '{name: Input, type: file, required: no}' },
  args: { input: '{arg: $(value)}' },
  outputs: { out: '{path: out.txt, media-type: text/plain}' },
});

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as T };
}

/** Ten jobs, one after another, each followed to COMPLETED; returns the total milliseconds. */
async function sequentialJobs(baseUrl: string): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) {
    const res = await json<{ id: string; status: string }>(`${baseUrl}/api/services/noop/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    if (res.status !== 202) throw new Error(`submit answered ${res.status}`);
    await followToCompleted(baseUrl, res.body);
  }
  return performance.now() - t0;
}

/** One 10-step chain, followed (long-poll) until it finished; returns the total milliseconds. */
async function chain(baseUrl: string): Promise<number> {
  const steps = Array.from({ length: STEPS }, (_, i) => ({
    name: `s${i}`,
    service: 'noop',
    parameters: i === 0 ? {} : { input: { from: `s${i - 1}`, output: 'out' } },
  }));
  const t0 = performance.now();
  const res = await json<{ id: string; status: string; finished: boolean }>(
    `${baseUrl}/api/pipelines`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ steps }),
    },
  );
  if (res.status !== 202) throw new Error(`pipeline submit answered ${res.status}`);
  let pipeline = res.body;
  while (!pipeline.finished) {
    const url = `${baseUrl}/api/pipelines/${pipeline.id}?wait=30`;
    pipeline = (await json<typeof pipeline>(url)).body;
  }
  if (pipeline.status !== 'COMPLETED') throw new Error(`pipeline ended ${pipeline.status}`);
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const home = await makeHome({ noop: SERVICE }, { 'api.watch-interval': 20, 'log.level': 'warn' });
  await withProcesses(home, async () => {
    await sequentialJobs(home.baseUrl);
    await chain(home.baseUrl);
    const [perJob, perStep] = await interleaved(
      ROUNDS,
      5,
      async () => (await sequentialJobs(home.baseUrl)) / STEPS,
      async () => (await chain(home.baseUrl)) / STEPS,
    );
    const ratio = median(perStep) / median(perJob);
    report('pipeline-chain', {
      rounds: ROUNDS,
      steps: STEPS,
      perJobP50Ms: Number(median(perJob).toFixed(2)),
      perJobP90Ms: Number(percentile(perJob, 90).toFixed(2)),
      perStepP50Ms: Number(median(perStep).toFixed(2)),
      perStepP90Ms: Number(percentile(perStep, 90).toFixed(2)),
      stepOverJobP50: Number(ratio.toFixed(2)),
      goal: `≤ ${GOAL_RATIO}`,
      met: ratio <= GOAL_RATIO,
    });
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
