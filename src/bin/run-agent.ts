import { hostname } from 'node:os';
import { loadSettings } from '../config/load-settings';
import { createLogger } from '../lifecycle/logger';
import { runShutdown } from '../lifecycle/shutdown';
import { AgentHost } from '../runners/agent-host';
import { LocalExecutor } from '../runners/local-executor';
import { onTerminate } from './signals';

export interface AgentOptions {
  kind: string;
  slots?: number;
  name?: string;
}

export async function runAgent(options: AgentOptions): Promise<void> {
  const settings = loadSettings();
  const log = createLogger(`agent-${options.kind}`, settings.logLevel);
  if (options.kind !== 'local') throw new Error(`unknown agent kind '${options.kind}'`);
  const executor = new LocalExecutor(options.slots ?? settings.localAgent.slots, log);
  const host = new AgentHost(
    executor,
    {
      name: options.name ?? `${options.kind}@${hostname()}:${process.pid}`,
      schedulerAddress: settings.scheduler.agentsAddress,
      heartbeatIntervalMs: settings.scheduler.heartbeatIntervalMs,
    },
    log,
  );
  await host.start();
  log.info({ scheduler: settings.scheduler.agentsAddress, slots: executor.slots }, 'agent running');
  onTerminate(log, () => runShutdown([{ name: 'stop agent', run: () => host.stop() }], log));
}
