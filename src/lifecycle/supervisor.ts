import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from './logger';

export interface ChildSpec {
  name: string;
  args: string[];
}

/** How long to wait before restarting a child that exited. */
export interface RestartPolicy {
  /** Wait after the first exit of a child that had been stable. */
  initialDelayMs: number;
  /** The wait doubles on each exit in a row, up to this. */
  maxDelayMs: number;
  /** A child that stayed up at least this long is stable again: its next wait is the initial one. */
  stableAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
};

/** The wait before restart number `failures` (1 = first exit after a stable run). */
export function restartDelayMs(policy: RestartPolicy, failures: number): number {
  // The exponent is bounded so the product stays a finite number however long a child fails.
  const doubled = policy.initialDelayMs * 2 ** Math.min(Math.max(failures, 1) - 1, 40);
  return Math.min(policy.maxDelayMs, doubled);
}

interface Running {
  spec: ChildSpec;
  child: ChildProcess;
  startedAt: number;
  /** Exits in a row without a stable run, before this start. */
  failures: number;
}

/**
 * Runs Damson's processes as children of one process. A child that dies is restarted after an
 * exponential backoff, however often it dies: one failing child (say the server, hit by a
 * crashing request) must never take the others (scheduler, agents) down with it. On stop, every
 * child gets SIGTERM, then SIGKILL if it is still alive after the grace time.
 */
export class Supervisor {
  private readonly children = new Map<string, Running>();
  private readonly pendingRestarts = new Map<string, NodeJS.Timeout>();
  private stopping = false;

  constructor(
    private readonly command: string,
    private readonly baseArgs: string[],
    private readonly log: Logger,
    private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY,
  ) {}

  /** The process id of a running child, or undefined while it is down. */
  pidOf(name: string): number | undefined {
    return this.children.get(name)?.child.pid;
  }

  start(spec: ChildSpec, failures = 0): void {
    const child = spawn(this.command, [...this.baseArgs, ...spec.args], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DAMSON_SUPERVISED: '1' },
    });
    const running: Running = { spec, child, startedAt: Date.now(), failures };
    this.children.set(spec.name, running);
    this.log.info({ child: spec.name, pid: child.pid }, 'started');
    // A spawn failure may emit 'error' without 'exit'; either one ends this run, once.
    let ended = false;
    const end = (code: number | null, signal: NodeJS.Signals | null, error?: Error): void => {
      if (ended) return;
      ended = true;
      this.onExit(running, code, signal, error);
    };
    child.once('exit', (code, signal) => end(code, signal));
    child.once('error', (error) => end(null, null, error));
  }

  private onExit(
    running: Running,
    code: number | null,
    signal: NodeJS.Signals | null,
    error?: Error,
  ): void {
    const { spec, child } = running;
    if (this.children.get(spec.name) === running) this.children.delete(spec.name);
    if (this.stopping) return;
    const uptimeMs = Date.now() - running.startedAt;
    const failures = uptimeMs >= this.policy.stableAfterMs ? 1 : running.failures + 1;
    const restartInMs = restartDelayMs(this.policy, failures);
    this.log.warn(
      {
        child: spec.name,
        pid: child.pid,
        code,
        signal,
        error: error?.message,
        uptimeMs,
        failures,
        restartInMs,
      },
      'child exited; restarting after backoff',
    );
    const timer = setTimeout(() => {
      this.pendingRestarts.delete(spec.name);
      if (!this.stopping) this.start(spec, failures);
    }, restartInMs);
    this.pendingRestarts.set(spec.name, timer);
  }

  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    for (const timer of this.pendingRestarts.values()) clearTimeout(timer);
    this.pendingRestarts.clear();
    const exits = [...this.children.values()].map(
      ({ child }) =>
        new Promise<void>((resolve) =>
          child.exitCode !== null || child.signalCode !== null
            ? resolve()
            : child.once('exit', () => resolve()),
        ),
    );
    for (const { child } of this.children.values()) child.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const { child, spec } of this.children.values()) {
        this.log.warn({ child: spec.name }, 'did not stop in time; killing');
        child.kill('SIGKILL');
      }
    }, graceMs);
    await Promise.all(exits);
    clearTimeout(timer);
  }
}
