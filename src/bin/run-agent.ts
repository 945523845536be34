import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { loadSettings } from '../config/load-settings';
import { createLogger } from '../lifecycle/logger';
import { AgentHost } from '../runners/agent-host';
import { ClusterExecutor } from '../runners/cluster/cluster-executor';
import type { ClusterEngine } from '../runners/cluster/cluster-engine';
import type { Executor } from '../runners/executor';
import { GridEngine } from '../runners/gridengine/gridengine-engine';
import { lockJournal } from '../runners/journal-lock';
import { LocalExecutor } from '../runners/local/local-executor';
import { SlurmEngine } from '../runners/slurm/slurm-engine';
import { clientSecurity } from '../transport/link-security';
import { onTerminate } from './signals';
import type { RoleHandle } from './role-handle';
import type { Settings } from '../config/settings';
import { parseListenAddress } from '../config/metrics-settings';
import type { Logger } from '../lifecycle/logger';
import { newMetricsRegistry } from '../lifecycle/metrics-registry';
import { MetricsServer } from '../lifecycle/metrics-server';
import { agentMetrics } from '../runners/agent-metrics';
import { RUNNER_KINDS, type ClusterKind } from '../jobs/runner-kind';

export interface AgentOptions {
  kind: string;
  slots?: number;
  name?: string;
  /** Cluster agents: how often the engine is asked about all jobs (one call per poll). */
  pollIntervalMs?: number;
  /** `host:port` or `off`: overrides `metrics.agent-address` (two agents on one host need two). */
  metricsAddress?: string;
}

/** A cluster engine's queue holds the work, so a cluster agent takes many jobs at once. */
const CLUSTER_SLOTS = 1000;
const ENGINE_TOOL_TIMEOUT_MS = 30_000;

/** Each cluster kind's engine: a kind added to the registry does not compile until it has one. */
const CLUSTER_ENGINES: Record<ClusterKind, () => ClusterEngine> = {
  slurm: () => new SlurmEngine({ toolTimeoutMs: ENGINE_TOOL_TIMEOUT_MS }),
  gridengine: () => new GridEngine({ toolTimeoutMs: ENGINE_TOOL_TIMEOUT_MS }),
};

function clusterEngine(kind: string): ClusterEngine | null {
  return Object.hasOwn(CLUSTER_ENGINES, kind) ? CLUSTER_ENGINES[kind as ClusterKind]() : null;
}

/** `/metrics`, `/healthz` and `/readyz` of this agent, when an address is given. */
async function serveAgentMetrics(
  settings: Settings,
  options: AgentOptions,
  executor: Executor,
  log: Logger,
): Promise<MetricsServer | null> {
  const address =
    options.metricsAddress === undefined
      ? settings.metrics.agentAddress
      : parseListenAddress(options.metricsAddress, '--metrics-address', '--metrics-address');
  if (!address) return null;
  const registry = newMetricsRegistry();
  agentMetrics(registry, executor, options.kind);
  const server = new MetricsServer({ registry }, log);
  return (await server.listen(address)) === null ? null : server;
}

export async function runAgent(options: AgentOptions): Promise<void> {
  const { log, steps } = await startAgent(loadSettings(), options);
  onTerminate(log, steps);
}

/** An agent, connecting; its shutdown steps are the caller's to run (alone or combined). */
export async function startAgent(settings: Settings, options: AgentOptions): Promise<RoleHandle> {
  const log = createLogger(`agent-${options.kind}`, settings.logLevel);
  // The name is stable across restarts: the journal and the scheduler recognise the agent by it.
  const name = options.name ?? `${options.kind}@${hostname()}`;
  const journalFile = path.join(
    settings.directories.data,
    'agents',
    `${name.replace(/[^A-Za-z0-9._@-]/g, '_')}.journal`,
  );
  mkdirSync(path.dirname(journalFile), { recursive: true });
  const unlockJournal = lockJournal(journalFile, name);
  const engine = clusterEngine(options.kind);
  let executor: Executor;
  if (engine) {
    executor = new ClusterExecutor(
      engine,
      {
        slots: options.slots ?? CLUSTER_SLOTS,
        journalFile,
        pollIntervalMs: options.pollIntervalMs ?? 2000,
      },
      log,
    );
  } else if (options.kind === 'local') {
    executor = new LocalExecutor(
      {
        slots: options.slots ?? settings.localAgent.slots,
        journalFile,
        outputQuotaBytes: settings.localAgent.outputQuotaBytes,
      },
      log,
    );
  } else {
    throw new Error(`unknown agent kind '${options.kind}' (${RUNNER_KINDS.join(', ')})`);
  }
  const address = settings.scheduler.agentsAddress;
  const security = clientSecurity(address, settings.link.keysDirectory, settings.link.security);
  if (security.kind === 'open')
    log.warn({ address }, 'link.security is none: any local account can act as the scheduler');
  const host = new AgentHost(
    executor,
    {
      name,
      schedulerAddress: address,
      heartbeatIntervalMs: settings.scheduler.heartbeatIntervalMs,
      jobsDirectory: settings.directories.jobs,
      jobsOutliveAgent: engine !== null,
      security,
    },
    log,
  );
  await host.start();
  const metrics = await serveAgentMetrics(settings, options, executor, log);
  log.info(
    { scheduler: address, slots: executor.slots, boot: host.bootId, security: security.kind },
    'agent running',
  );
  return {
    log,
    steps: [
      { name: 'stop agent', run: () => host.stop() },
      { name: 'close metrics endpoint', run: () => metrics?.close() },
      { name: 'unlock the journal', run: async () => unlockJournal() },
    ],
  };
}
