import { hostname } from 'node:os';
import path from 'node:path';
import { loadSettings } from '../config/load-settings';
import { createLogger } from '../lifecycle/logger';
import { runShutdown } from '../lifecycle/shutdown';
import { AgentHost } from '../runners/agent-host';
import { LocalExecutor } from '../runners/local-executor';
import { clientSecurity } from '../transport/link-security';
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
  // The name is stable across restarts: the journal and the scheduler recognise the agent by it.
  const name = options.name ?? `${options.kind}@${hostname()}`;
  const executor = new LocalExecutor(
    {
      slots: options.slots ?? settings.localAgent.slots,
      journalFile: path.join(
        settings.directories.data,
        'agents',
        `${name.replace(/[^A-Za-z0-9._@-]/g, '_')}.journal`,
      ),
      outputQuotaBytes: settings.localAgent.outputQuotaBytes,
    },
    log,
  );
  const address = settings.scheduler.agentsAddress;
  const host = new AgentHost(
    executor,
    {
      name,
      schedulerAddress: address,
      heartbeatIntervalMs: settings.scheduler.heartbeatIntervalMs,
      security: clientSecurity(address, settings.link.keysDirectory, settings.link.security),
    },
    log,
  );
  await host.start();
  log.info({ scheduler: address, slots: executor.slots, boot: host.bootId }, 'agent running');
  onTerminate(log, () => runShutdown([{ name: 'stop agent', run: () => host.stop() }], log));
}
