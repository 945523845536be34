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

/** A mkdir lock: jest runs test files in parallel workers, and one engine serves them all. */
async function withLock<T>(kind: EngineKind, body: () => T): Promise<T> {
  const lock = path.join(RUN_DIR, `test-${kind}.lock`);
  mkdirSync(RUN_DIR, { recursive: true });
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      if (i > 2400) throw new Error(`cannot take ${lock}`);
      try {
        const owner = Number(execFileSync('cat', [path.join(lock, 'pid')]).toString());
        if (owner && !isAlive(owner)) rmSync(lock, { recursive: true, force: true });
      } catch {
        // the owner is between mkdir and writing its pid
      }
      await sleep(50);
    }
  }
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
 * Starts the engine through its script unless it runs already, and stops it when the last test
 * file that asked for it releases it (only if a test started it). Returns null (the suite skips)
 * outside CI when the engine cannot run here; in CI it must run.
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
  await withLock(kind, () => {
    const up = spawnSync(SCRIPT(kind), ['status'], { stdio: 'ignore' }).status === 0;
    if (!up) {
      const started = spawnSync(SCRIPT(kind), ['start'], { encoding: 'utf8', timeout: 300_000 });
      if (started.status !== 0) throw new Error(`${kind}.sh start failed: ${started.stderr}`);
      writeFileSync(marker, String(process.pid));
    }
    liveHolders(holders);
    writeFileSync(path.join(holders, String(process.pid)), '');
  });
  return {
    env: engineEnv(kind),
    release: () =>
      withLock(kind, () => {
        rmSync(path.join(holders, String(process.pid)), { force: true });
        if (liveHolders(holders).length === 0 && existsSync(marker)) {
          spawnSync(SCRIPT(kind), ['stop'], { stdio: 'ignore', timeout: 120_000 });
          rmSync(marker, { force: true });
        }
      }),
  };
}
