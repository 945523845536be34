import { execFile } from 'node:child_process';
import { timerDelayMs } from '../../lifecycle/long-timer';

export type ToolFailureKind = 'timeout' | 'exit' | 'spawn' | 'garbage';

/** An engine command that did not give a usable answer (it never means a job failed). */
export class EngineToolError extends Error {
  constructor(
    readonly tool: string,
    readonly kind: ToolFailureKind,
    message: string,
    readonly stderr = '',
  ) {
    super(`${tool}: ${message}`);
  }
}

export interface ToolResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface ToolOptions {
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** Exit codes that still carry an answer (e.g. `qdel` of a job already gone). */
  okExitCodes?: number[];
  /** Written to the tool's stdin (which is closed either way, so no tool waits on it). */
  input?: string;
}

/** What every engine's tools are run with: a time limit and the tools' own environment. */
export interface EngineToolOptions {
  toolTimeoutMs: number;
  /** Environment for the tools (SLURM_CONF, SGE_ROOT and the like); the jobs never see it. */
  env?: NodeJS.ProcessEnv;
}

export type EngineCommand = (
  command: string,
  args: string[],
  okExitCodes?: number[],
  input?: string,
) => Promise<ToolResult>;

/** runTool bound to an engine's options: how its submit, list, cancel and accounting calls run. */
export function engineCommand(options: EngineToolOptions): EngineCommand {
  return (command, args, okExitCodes, input) =>
    runTool(command, args, {
      timeoutMs: options.toolTimeoutMs,
      env: options.env,
      okExitCodes,
      input,
    });
}

const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** Runs an engine command (never through a shell) with a time limit; rejects with EngineToolError. */
export function runTool(
  command: string,
  args: string[],
  options: ToolOptions,
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      {
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: MAX_OUTPUT_BYTES,
        env: options.env ?? process.env,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr, exitCode: 0 });
        const failure = error as Error & {
          killed?: boolean;
          code?: unknown;
          signal?: string | null;
        };
        const summary = stderr.trim().split('\n').slice(-3).join(' | ');
        if (failure.killed || failure.signal === 'SIGKILL') {
          return reject(
            new EngineToolError(command, 'timeout', `no answer within ${options.timeoutMs} ms`),
          );
        }
        if (typeof failure.code === 'number') {
          if (options.okExitCodes?.includes(failure.code)) {
            return resolve({ stdout, stderr, exitCode: failure.code });
          }
          return reject(
            new EngineToolError(
              command,
              'exit',
              `exit status ${failure.code}${summary ? `: ${summary}` : ''}`,
              stderr,
            ),
          );
        }
        reject(new EngineToolError(command, 'spawn', String(failure.code ?? failure.message)));
      },
    );
    child.stdin?.on('error', () => undefined); // a tool that exits without reading its input
    child.stdin?.end(options.input ?? '');
  });
}

const TRANSIENT =
  /timed? ?out|unable to contact|connection refused|temporar|try again|not responding|communication|socket|qmaster|slurmctld|busy/i;

/**
 * Whether trying again may help: no answer, no tool, garbage, or the engine saying it cannot reach
 * its controller. A refusal of the request itself (bad option, bad script) is permanent.
 */
export function isTransient(error: Error): boolean {
  if (!(error instanceof EngineToolError)) return true;
  return error.kind !== 'exit' || TRANSIENT.test(error.message);
}

export interface BackoffOptions {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * Calls `attempt` until it succeeds or `attempts` tries have failed, waiting twice as long after
 * each failure (with jitter, so agents do not retry in step). Every failure is passed to
 * `onFailure` before the wait; the last one is thrown.
 */
export async function withBackoff<T>(
  attempt: (tryNumber: number) => Promise<T>,
  options: BackoffOptions,
  onFailure: (error: Error, tryNumber: number) => void,
  retryable: (error: Error) => boolean = () => true,
): Promise<T> {
  let delay = options.initialDelayMs;
  for (let tryNumber = 1; ; tryNumber++) {
    try {
      return await attempt(tryNumber);
    } catch (error) {
      onFailure(error as Error, tryNumber);
      if (tryNumber >= options.attempts || !retryable(error as Error)) throw error;
      const jittered = delay * (0.75 + Math.random() * 0.5);
      await new Promise((resolve) => setTimeout(resolve, timerDelayMs(jittered)));
      delay = Math.min(options.maxDelayMs, delay * 2);
    }
  }
}
