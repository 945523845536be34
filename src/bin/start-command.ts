import { spawnSync } from 'node:child_process';
import { createLogger } from '../lifecycle/logger';
import { Supervisor } from '../lifecycle/supervisor';
import type { StartPlan } from './start-plan';

/** The plan's JSON, checked field by field: a child's output is trusted no further than that. */
export function parseStartPlan(text: string): StartPlan | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const plan = value as Record<string, unknown>;
  const count = (key: string): boolean =>
    typeof plan[key] === 'number' && Number.isFinite(plan[key]) && (plan[key] as number) >= 0;
  const ok =
    (plan.processes === 'combined' || plan.processes === 'separate') &&
    count('restartDelayMs') &&
    count('maxRestartDelayMs') &&
    count('stableAfterMs') &&
    typeof plan.logLevel === 'string' &&
    typeof plan.url === 'string' &&
    Array.isArray(plan.createdKeys) &&
    plan.createdKeys.every((file) => typeof file === 'string') &&
    typeof plan.openLink === 'boolean';
  return ok ? (plan as unknown as StartPlan) : null;
}

/**
 * `damson start`: the supervisor. The settings are read by a short-lived child (start-plan.ts);
 * a settings error is that child's message and exit code. Then the roles start: one `combined`
 * child, or a scheduler, a local agent and a server each in its own, restarted on exit with
 * backoff. Returns the exit code for a plan that could not be made.
 */
export function start(damsonScript: string, options: { localAgent: boolean }): number | null {
  const planned = spawnSync(process.execPath, [damsonScript, 'start-plan'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (planned.status !== 0) return planned.status ?? 1;
  const plan = parseStartPlan(planned.stdout.trim());
  if (!plan) {
    process.stderr.write('damson: the settings could not be read (start-plan printed no plan)\n');
    return 1;
  }
  const log = createLogger('damson', plan.logLevel);
  if (plan.createdKeys.length) log.info({ files: plan.createdKeys }, 'created the agent link keys');
  if (plan.openLink)
    log.warn('link.security is none: the agent link is open to every local account');
  // No give-up: a child that keeps failing is restarted with backoff, and the others stay up.
  const supervisor = new Supervisor(process.execPath, [damsonScript], log, {
    initialDelayMs: plan.restartDelayMs,
    maxDelayMs: plan.maxRestartDelayMs,
    stableAfterMs: plan.stableAfterMs,
  });
  if (plan.processes === 'combined') {
    const roles = options.localAgent ? [] : ['--no-local-agent'];
    supervisor.start({ name: 'combined', args: ['combined', ...roles] });
  } else {
    supervisor.start({ name: 'scheduler', args: ['scheduler'] });
    if (options.localAgent)
      supervisor.start({ name: 'agent-local', args: ['agent', '--kind', 'local'] });
    supervisor.start({ name: 'server', args: ['server'] });
  }
  log.info({ url: plan.url, processes: plan.processes }, 'damson started');
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping all processes');
    void supervisor.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return null;
}
