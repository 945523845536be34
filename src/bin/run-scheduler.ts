import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { loadSettings } from '../config/load-settings';
import { StoreUnavailableError } from '../errors';
import type { Settings } from '../config/settings';
import { createLogger, type Logger } from '../lifecycle/logger';
import type { JobStore } from '../store/job-store';
import { AgentLink } from '../scheduler/agent-link';
import { RetentionSweeper } from '../scheduler/retention-sweeper';
import { DiskPause } from '../scheduler/disk-pause';
import { DiskSpace } from '../lifecycle/disk-space';
import { IdempotencyKeySweeper } from '../scheduler/idempotency-key-sweeper';
import { Scheduler, type ReleaseReport } from '../scheduler/scheduler';
import { runnerKind } from '../jobs/runner-kind';
import { ServiceMonitor } from '../services/health/service-monitor';
import { ServiceCatalog } from '../services/service-catalog';
import { watchCatalog } from '../services/watch-catalog';
import { serverSecurity, startZapHandler } from '../transport/link-security';
import { ChangeAnnouncer } from '../transport/job-changes';
import { WakeListener } from '../transport/wake';
import { jobResource } from '../http/resources';
import { WebhookDeliverer } from '../webhooks/webhook-deliverer';
import { instrumentedStore, openStore } from './open-store';
import { newMetricsRegistry } from '../lifecycle/metrics-registry';
import { SchedulerMetrics } from '../scheduler/scheduler-metrics';
import { SchedulerHeartbeat } from '../scheduler/scheduler-heartbeat';
import { serveMetrics } from './serve-metrics';
import { onTerminate } from './signals';
import type { RoleHandle } from './role-handle';
import { timerDelayMs } from '../lifecycle/long-timer';
import { ownerSharing } from '../config/owner-settings';

export async function runScheduler(): Promise<void> {
  const { log, steps } = await startScheduler(loadSettings());
  onTerminate(log, steps);
}

/** The scheduler, running; its shutdown steps are the caller's to run (alone or combined). */
export async function startScheduler(settings: Settings): Promise<RoleHandle> {
  const log = createLogger('scheduler', settings.logLevel);
  const registry = settings.metrics.schedulerAddress ? newMetricsRegistry() : undefined;
  const store = instrumentedStore(await openStore(settings), registry);
  const catalog = new ServiceCatalog(settings.directories.services);
  for (const error of catalog.reload())
    log.error({ file: error.file, line: error.line }, error.message);
  const stopWatching = watchCatalog(catalog, log);
  const announcer = new ChangeAnnouncer();
  const deliverer = new WebhookDeliverer(
    store,
    {
      settings: settings.webhooks,
      render: (job) => jobResource(`${settings.server.prefix}/api`, job),
    },
    log,
  );
  // A plain copy: reading process.env crosses into the runtime for every name, on every job.
  const host = { processEnv: { ...process.env }, home: settings.home };
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const metrics: SchedulerMetrics | undefined =
    registry &&
    new SchedulerMetrics(registry, {
      jobCounts: () => store.operations.jobCounts(),
      jobCountsIntervalMs: settings.metrics.jobCountsIntervalMs,
      breakers: () => scheduler.breakers.states(),
      agents: () => scheduler.agents.list(),
    });
  const address = settings.scheduler.agentsAddress;
  const security = serverSecurity(address, settings.link.keysDirectory, settings.link.security);
  if (security.kind === 'open')
    log.warn({ address }, 'link.security is none: any local account can act as an agent');
  const stopZap =
    security.kind === 'curve'
      ? await startZapHandler(security.allowListFile, log)
      : () => undefined;
  const scheduler: Scheduler<AgentLink> = new Scheduler({
    store,
    catalog,
    log,
    connectAgents: (events) =>
      new AgentLink(address, settings.scheduler.heartbeatIntervalMs, events, log, security),
    options: {
      owner,
      metrics,
      leaseMs: settings.scheduler.leaseMs,
      pollIntervalMs: settings.scheduler.pollIntervalMs,
      heartbeatIntervalMs: settings.scheduler.heartbeatIntervalMs,
      jobsDirectory: settings.directories.jobs,
      host,
      timeoutSeconds: settings.scheduler.timeoutSeconds,
      retries: settings.scheduler.retries,
      maxRetries: settings.scheduler.maxRetries,
      lostJobGraceMs: settings.scheduler.lostJobGraceMs,
      breaker: settings.scheduler.breaker,
      owners: ownerSharing(settings.api),
      diskPause: new DiskPause(
        new DiskSpace(settings.retention.minFreeDisk, [
          settings.directories.jobs,
          settings.directories.uploads,
        ]),
        log,
      ),
      announceChanges: (change) =>
        change === 'finished' ? announcer.announce() : announcer.announceProgress(),
      callbacksChanged: () => deliverer.wake(),
    },
  });
  const link = scheduler.agents;
  const wake = new WakeListener(settings.scheduler.wakeAddress);
  // Started while the store is down (MongoDB restarting), the scheduler waits instead of exiting.
  await whenStoreAnswers(() => store.ping(), settings.scheduler.pollIntervalMs, log);
  await link.start();
  await listenForWakes(wake, () => scheduler.wake(), settings.scheduler.wakeAddress, log);
  await announceChangesAt(announcer, settings.scheduler.changesAddress, log);
  scheduler.start();
  const heartbeat = new SchedulerHeartbeat(
    store,
    owner,
    settings.scheduler.heartbeatIntervalMs,
    log,
  );
  heartbeat.start();
  const metricsServer = await serveMetrics(settings, registry, store, catalog, log);
  const monitor = new ServiceMonitor(
    catalog,
    store,
    (spec, kind, timeoutMs) => scheduler.testRuns.run(spec, kind, timeoutMs),
    {
      pollIntervalMs: 1000,
      jobsDirectory: settings.directories.jobs,
      host,
      runnerKind,
    },
    log,
  );
  // Agents say hello within a heartbeat; tests started before that would all report DOWN.
  const monitorStart = setTimeout(
    () => monitor.start(),
    timerDelayMs(3 * settings.scheduler.heartbeatIntervalMs),
  );
  const sweeper = retentionSweeper(settings, store, log);
  sweeper.start();
  deliverer.start();
  // Hourly: a key lives 24 h, so an expired one lingers at most an hour more (and is ignored).
  const keySweeper = new IdempotencyKeySweeper(store, 3_600_000, log);
  keySweeper.start();
  log.info(
    { agents: address, wake: settings.scheduler.wakeAddress, security: security.kind },
    'scheduler running',
  );
  return {
    log,
    steps: [
      { name: 'stop intake', run: () => wake.close() },
      {
        name: 'stop service tests',
        run: () => {
          clearTimeout(monitorStart);
          monitor.stop();
        },
      },
      { name: 'stop scheduling', run: () => scheduler.stop() },
      { name: 'stop retention', run: () => sweeper.stop() },
      { name: 'stop webhooks', run: () => deliverer.stop() },
      { name: 'stop key sweeps', run: () => keySweeper.stop() },
      { name: 'stop watching', run: stopWatching },
      // The link stays open through these two: agents keep acknowledging and reporting.
      { name: 'drain', run: () => scheduler.drain() },
      { name: 'release claims', run: async () => logRelease(await scheduler.release(), log) },
      { name: 'close agent link', run: () => link.stop() },
      { name: 'stop heartbeat', run: () => heartbeat.stop() },
      { name: 'close metrics endpoint', run: () => metricsServer?.close() },
      { name: 'stop announcing', run: () => announcer.close() },
      { name: 'stop key checks', run: stopZap },
      { name: 'close store', run: () => store.close() },
    ],
  };
}

const DAY_MS = 24 * 3_600_000;

/** Announcements only make waiting clients hear sooner: a port in use is a warning, not an exit. */
async function announceChangesAt(
  announcer: ChangeAnnouncer,
  address: string,
  log: Logger,
): Promise<void> {
  try {
    await announcer.bind(address);
  } catch (error) {
    log.warn(
      { err: error, address },
      'cannot announce job changes (scheduler.changes-address); waiting clients fall back to polling',
    );
  }
}

/**
 * Wake-ups only spare a poll: a port in use (another process squatting it) is a warning, and the
 * scheduler runs on its poll interval instead of not starting at all.
 */
async function listenForWakes(
  wake: WakeListener,
  onWake: () => void,
  address: string,
  log: Logger,
): Promise<void> {
  try {
    await wake.start(onWake);
  } catch (error) {
    log.warn(
      { err: error, address },
      'cannot listen for wake-ups (scheduler.wake-address); new jobs wait for the next poll',
    );
  }
}

function logRelease(report: ReleaseReport, log: Logger): void {
  if (report.inDoubt.length) {
    log.warn(
      { count: report.inDoubt.length, jobs: report.inDoubt },
      'dispatched but never acknowledged: left to the next scheduler (an agent may run them)',
    );
  }
  log.info(
    {
      released: report.released.length,
      releasedJobs: report.released,
      releaseRefused: report.refused.length,
      inDoubt: report.inDoubt.length,
      withAgents: report.withAgents,
    },
    'claims released; jobs with agents stay with them for the next scheduler to adopt',
  );
}

/** A scheduler started while the store is down waits for it instead of exiting. */
async function whenStoreAnswers(
  step: () => Promise<void>,
  retryMs: number,
  log: Logger,
): Promise<void> {
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      log.warn({ retryMs }, 'the job store is unavailable; waiting for it');
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }
}

function retentionSweeper(settings: Settings, store: JobStore, log: Logger): RetentionSweeper {
  const { finishedJobDays, uploadDays, orphanAgeMs, sweepIntervalMs } = settings.retention;
  return new RetentionSweeper(
    store,
    {
      retentionMs: finishedJobDays === null ? null : finishedJobDays * DAY_MS,
      retentionMsByService: new Map(
        [...settings.retention.byServiceDays].map(([service, days]) => [service, days * DAY_MS]),
      ),
      tombstoneMs: settings.retention.tombstoneDays * DAY_MS,
      uploadRetentionMs: uploadDays === null ? null : uploadDays * DAY_MS,
      orphanAgeMs,
      sweepIntervalMs,
      jobsDirectory: settings.directories.jobs,
      uploadsDirectory: settings.directories.uploads,
    },
    log,
  );
}
