/**
 * One claimer process, used by the concurrent-claim tests and the store benchmark.
 *
 *   node dist/bench/store-claim-worker.js '<StoreSpec JSON>' <owner> <batch> [<claims>]
 *
 * Without <claims>: claims batches until no PENDING job is left and prints every claimed job id on
 * its own line. With <claims>: makes exactly that many claims, releasing each claimed job back to
 * PENDING with its fencing token (as a retry does), and prints `<id> <attempt> <fencingToken>` per
 * claim. A release the store refuses means someone else claimed the job while this process held
 * it: the worker prints `refused <id> <fencingToken>` and goes on.
 */
import type { JobStore } from '../src/store/job-store';
import { openStoreSpec, type StoreSpec } from './store-spec';

const LEASE_MS = 600_000;
/** Claim-and-release gives up when no claim succeeds for this long (every job held elsewhere). */
const STARVED_MS = 120_000;

async function claimUntilEmpty(store: JobStore, owner: string, batch: number): Promise<void> {
  for (;;) {
    const jobs = await store.claimPending(owner, LEASE_MS, batch);
    if (jobs.length === 0) return;
    process.stdout.write(jobs.map((job) => `${job.id}\n`).join(''));
  }
}

async function claimAndRelease(
  store: JobStore,
  owner: string,
  batch: number,
  claims: number,
): Promise<void> {
  let made = 0;
  let lastClaimAt = Date.now();
  while (made < claims) {
    const jobs = await store.claimPending(owner, LEASE_MS, Math.min(batch, claims - made));
    if (jobs.length === 0) {
      if (Date.now() - lastClaimAt > STARVED_MS) throw new Error(`no claim for ${STARVED_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      continue;
    }
    lastClaimAt = Date.now();
    made += jobs.length;
    const lines: string[] = [];
    for (const job of jobs) {
      lines.push(`${job.id} ${job.attempt} ${job.fencingToken}`);
      const released = await store.transition(job.id, 'PENDING', job.fencingToken);
      if (!released) lines.push(`refused ${job.id} ${job.fencingToken}`);
    }
    process.stdout.write(lines.map((line) => `${line}\n`).join(''));
  }
}

async function main(): Promise<void> {
  const [specJson, owner, batchText, claimsText] = process.argv.slice(2);
  const store = openStoreSpec(JSON.parse(specJson) as StoreSpec);
  const batch = Number(batchText) || 1;
  try {
    if (claimsText === undefined) await claimUntilEmpty(store, owner, batch);
    else await claimAndRelease(store, owner, batch, Number(claimsText));
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  const { message, reason } = error as Error & { reason?: string };
  process.stderr.write(`claim worker failed: ${message}${reason ? ` (${reason})` : ''}\n`);
  process.exitCode = 1;
});
