import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from './logger';

export interface ChildSpec {
  name: string;
  args: string[];
}

interface Running {
  spec: ChildSpec;
  child: ChildProcess;
  restarts: number[];
}

const RESTART_WINDOW_MS = 60_000;
const MAX_RESTARTS = 5;

/**
 * Runs Damson's processes as children of one process: restarts one that dies (up to five times a
 * minute), and on stop sends SIGTERM to all, then SIGKILL to any still alive after the grace time.
 */
export class Supervisor {
  private readonly children = new Map<string, Running>();
  private stopping = false;

  constructor(
    private readonly command: string,
    private readonly baseArgs: string[],
    private readonly log: Logger,
    private readonly onGiveUp: (name: string) => void,
  ) {}

  start(spec: ChildSpec, restarts: number[] = []): void {
    const child = spawn(this.command, [...this.baseArgs, ...spec.args], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DAMSON_SUPERVISED: '1' },
    });
    this.children.set(spec.name, { spec, child, restarts });
    this.log.info({ child: spec.name, pid: child.pid }, 'started');
    child.on('exit', (code, signal) => this.onExit(spec, restarts, code, signal));
  }

  private onExit(
    spec: ChildSpec,
    restarts: number[],
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    this.children.delete(spec.name);
    if (this.stopping) return;
    const now = Date.now();
    const recent = [...restarts.filter((t) => now - t < RESTART_WINDOW_MS), now];
    this.log.warn({ child: spec.name, code, signal, restarts: recent.length }, 'child exited');
    if (recent.length > MAX_RESTARTS) {
      this.onGiveUp(spec.name);
      return;
    }
    setTimeout(() => !this.stopping && this.start(spec, recent), 500 * recent.length);
  }

  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
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
