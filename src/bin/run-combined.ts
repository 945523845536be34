import { loadSettings } from '../config/load-settings';
import { createLogger } from '../lifecycle/logger';
import type { StopStep } from '../lifecycle/shutdown';
import type { RoleHandle } from './role-handle';
import { startAgent } from './run-agent';
import { startScheduler } from './run-scheduler';
import { startServer } from './run-server';
import { onTerminate } from './signals';

/**
 * The scheduler, the local agent and the server in one process (`supervisor.processes:
 * combined`): one Node.js runtime and one copy of the shared modules instead of three, which is
 * most of what an idle Damson's memory is. Each role keeps its own store connection, sockets and
 * logger, exactly as when it runs alone: the agent reaches the scheduler over the same link, so a
 * combined process and separate ones behave the same to everything outside them. The roles start
 * side by side, as separate processes would: a scheduler waiting for its store must not keep the
 * server from answering. The shutdown is one sequence over the roles started so far: the server
 * stops taking requests first, the scheduler drains and releases while the agent still reports,
 * and the agent stops last.
 */
export async function runCombined(options: { localAgent: boolean }): Promise<void> {
  const settings = loadSettings();
  const log = createLogger('combined', settings.logLevel);
  const started: { server?: RoleHandle; scheduler?: RoleHandle; agent?: RoleHandle } = {};
  const steps = (): StopStep[] =>
    [started.server, started.scheduler, started.agent].flatMap((role) => role?.steps ?? []);
  onTerminate(log, steps);
  await Promise.all([
    startServer(settings).then((role) => (started.server = role)),
    startScheduler(settings).then((role) => (started.scheduler = role)),
    options.localAgent
      ? startAgent(settings, { kind: 'local' }).then((role) => (started.agent = role))
      : null,
  ]);
}
