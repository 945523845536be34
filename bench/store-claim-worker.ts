/**
 * One claimer process: claims batches until no PENDING job is left and prints every claimed job
 * id on its own line. Used by the concurrent-claim test and the store benchmark.
 *   node dist/bench/store-claim-worker.js '<StoreSpec JSON>' <owner> <batch>
 */
import { openStoreSpec, type StoreSpec } from './store-spec';

const LEASE_MS = 600_000;

async function main(): Promise<void> {
  const [specJson, owner, batchText] = process.argv.slice(2);
  const store = openStoreSpec(JSON.parse(specJson) as StoreSpec);
  const batch = Number(batchText) || 1;
  try {
    for (;;) {
      const jobs = await store.claimPending(owner, LEASE_MS, batch);
      if (jobs.length === 0) break;
      process.stdout.write(jobs.map((job) => `${job.id}\n`).join(''));
    }
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  const { message, reason } = error as Error & { reason?: string };
  process.stderr.write(`claim worker failed: ${message}${reason ? ` (${reason})` : ''}\n`);
  process.exitCode = 1;
});
