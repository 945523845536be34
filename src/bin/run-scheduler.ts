import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { loadSettings } from '../config/load-settings';
import { createLogger } from '../lifecycle/logger';
import { runShutdown } from '../lifecycle/shutdown';
import { AgentLink } from '../scheduler/agent-link';
import { Scheduler } from '../scheduler/scheduler';
import { ServiceCatalog } from '../services/service-catalog';
import { watchCatalog } from '../services/watch-catalog';
import { WakeListener } from '../transport/wake';
import { openStore } from './open-store';
import { onTerminate } from './signals';

export async function runScheduler(): Promise<void> {
  const settings = loadSettings();
  const log = createLogger('scheduler', settings.logLevel);
  const store = await openStore(settings);
  const catalog = new ServiceCatalog(settings.directories.services);
  for (const error of catalog.reload())
    log.error({ file: error.file, line: error.line }, error.message);
  const stopWatching = watchCatalog(catalog, log);
  const scheduler = new Scheduler(
    store,
    catalog,
    {
      owner: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
      leaseMs: settings.scheduler.leaseMs,
      pollIntervalMs: settings.scheduler.pollIntervalMs,
      heartbeatIntervalMs: settings.scheduler.heartbeatIntervalMs,
      jobsDirectory: settings.directories.jobs,
      host: { processEnv: process.env, home: settings.home },
    },
    log,
  );
  const link = new AgentLink(
    settings.scheduler.agentsAddress,
    settings.scheduler.heartbeatIntervalMs,
    scheduler.onAgentMessage,
    scheduler.onAgentLost,
    log,
  );
  scheduler.attach(link);
  const wake = new WakeListener(settings.scheduler.wakeAddress);
  await scheduler.reconcile();
  await link.start();
  await wake.start(() => scheduler.wake());
  scheduler.start();
  log.info(
    { agents: settings.scheduler.agentsAddress, wake: settings.scheduler.wakeAddress },
    'scheduler running',
  );
  onTerminate(log, () =>
    runShutdown(
      [
        { name: 'stop intake', run: () => wake.close() },
        { name: 'stop scheduling', run: () => scheduler.stop() },
        { name: 'stop watching', run: stopWatching },
        { name: 'close agent link', run: () => link.stop() },
        { name: 'close store', run: () => store.close() },
      ],
      log,
    ),
  );
}
