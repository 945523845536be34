import { loadSettings } from '../config/load-settings';
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
 * combined process and separate ones behave the same to everything outside them. The shutdown is
 * one sequence: the server stops taking requests first, the scheduler drains and releases while
 * the agent still reports, and the agent stops last.
 */
export async function runCombined(options: { localAgent: boolean }): Promise<void> {
  const settings = loadSettings();
  const roles: RoleHandle[] = [await startScheduler(settings)];
  if (options.localAgent) roles.push(await startAgent(settings, { kind: 'local' }));
  roles.unshift(await startServer(settings));
  onTerminate(
    roles[0].log,
    roles.flatMap((role) => role.steps),
  );
}
