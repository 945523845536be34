import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { StoreSpec } from '../../bench/store-spec';
import { REPO_ROOT } from './damson-home';

const WORKER = path.join(REPO_ROOT, 'dist/bench/store-claim-worker.js');

/**
 * Runs `count` claimer processes against one store at once; returns each one's output lines
 * (claimed ids, or with `claimsEach` its claim-and-release records: see store-claim-worker.ts).
 */
export async function runClaimWorkers(
  spec: StoreSpec,
  count: number,
  batch: number,
  claimsEach?: number,
): Promise<string[][]> {
  if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run npm run build first`);
  const extra = claimsEach === undefined ? [] : [String(claimsEach)];
  const one = (index: number): Promise<string[]> =>
    new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [WORKER, JSON.stringify(spec), `claimer-${index}`, String(batch), ...extra],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0
          ? resolve(out.split('\n').filter(Boolean))
          : reject(new Error(`claimer ${index} exited with ${code}: ${err}`)),
      );
    });
  return Promise.all(Array.from({ length: count }, (_, i) => one(i)));
}
