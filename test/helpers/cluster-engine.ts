import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './damson-home';
import { isAlive } from './damson-process';

export type EngineKind = 'slurm' | 'gridengine';

export interface EngineLease {
  /** Environment the engine's tools need (SGE_ROOT, SLURM_CONF, ...), merged over process.env. */
  env: NodeJS.ProcessEnv;
  release(): Promise<void>;
}

const RUN_DIR = process.env.DAMSON_RUN ?? '/tmp/damson-run';
const SCRIPT = (kind: EngineKind): string => path.join(REPO_ROOT, 'scripts', `${kind}.sh`);
const TOOL: Record<EngineKind, string> = { slurm: 'sbatch', gridengine: 'qsub' };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Takes a mkdir lock owned by this process (a lock whose owner died is broken). */
async function takeLock(lock: string, maxWaitMs: number): Promise<void> {
  mkdirSync(RUN_DIR, { recursive: true });
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`cannot take ${lock}`);
      try {
        const owner = Number(execFileSync('cat', [path.join(lock, 'pid')]).toString());
        // A jest worker runs one file at a time: a lock this process still holds is left over
        // from an earlier file that failed before releasing it.
        if (owner && (owner === process.pid || !isAlive(owner))) {
          rmSync(lock, { recursive: true, force: true });
        }
      } catch {
        // the owner is between mkdir and writing its pid
      }
      await sleep(50);
    }
  }
}

/** A short critical section: jest runs test files in parallel workers. */
async function withLock<T>(kind: EngineKind, body: () => T): Promise<T> {
  const lock = path.join(RUN_DIR, `test-${kind}.lock`);
  await takeLock(lock, 120_000);
  try {
    return body();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function liveHolders(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return readdirSync(dir).filter((pid) => {
    if (isAlive(Number(pid))) return true;
    rmSync(path.join(dir, pid), { force: true });
    return false;
  });
}

function engineEnv(kind: EngineKind): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const out = execFileSync(SCRIPT(kind), ['env']).toString();
  for (const match of out.matchAll(/^export ([A-Z_]+)=(.*)$/gm)) {
    if (match[1] !== 'PATH') env[match[1]] = match[2].replace(/^'(.*)'$/, '$1');
  }
  return env;
}

function installed(kind: EngineKind): boolean {
  return spawnSync('sh', ['-c', `command -v ${TOOL[kind]}`]).status === 0;
}

/**
 * Gives one test file the engine to itself (files in other jest workers wait: a 2-slot engine
 * shared by several files would make their timings depend on each other). Starts the engine
 * through its script unless it runs already, and stops it when the last file that asked for it
 * is done (only if a test started it). Returns null (the suite skips) outside CI when the engine
 * cannot run here; in CI it must run.
 */
export async function leaseEngine(kind: EngineKind): Promise<EngineLease | null> {
  const canRun = process.getuid?.() === 0 && (installed(kind) || process.env.CI === 'true');
  if (!canRun) {
    if (process.env.CI === 'true') throw new Error(`${kind} cannot run here (root needed)`);
    console.warn(
      `skipping the ${kind} suite: it needs root and ${TOOL[kind]} installed ` +
        `(sudo scripts/ci-deps.sh ${kind}, then run the tests as root)`,
    );
    return null;
  }
  const holders = path.join(RUN_DIR, `test-${kind}-holders`);
  const marker = path.join(RUN_DIR, `test-${kind}-started-by-tests`);
  const use = path.join(RUN_DIR, `test-${kind}.in-use`);
  await withLock(kind, () => {
    liveHolders(holders);
    writeFileSync(path.join(holders, String(process.pid)), '');
  });
  await takeLock(use, 900_000);
  try {
    await withLock(kind, () => {
      const up = spawnSync(SCRIPT(kind), ['status'], { stdio: 'ignore' }).status === 0;
      if (!up) {
        const started = spawnSync(SCRIPT(kind), ['start'], { encoding: 'utf8', timeout: 300_000 });
        if (started.status !== 0) throw new Error(`${kind}.sh start failed: ${started.stderr}`);
        writeFileSync(marker, String(process.pid));
      }
    });
  } catch (error) {
    rmSync(use, { recursive: true, force: true });
    throw error;
  }
  return {
    env: engineEnv(kind),
    release: () =>
      withLock(kind, () => {
        rmSync(use, { recursive: true, force: true });
        rmSync(path.join(holders, String(process.pid)), { force: true });
        if (liveHolders(holders).length === 0 && existsSync(marker)) {
          spawnSync(SCRIPT(kind), ['stop'], { stdio: 'ignore', timeout: 120_000 });
          rmSync(marker, { force: true });
        }
      }),
  };
}
