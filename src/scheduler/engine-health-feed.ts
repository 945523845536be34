import type { Logger } from '../lifecycle/logger';
import type { ServiceCatalog } from '../services/service-catalog';
import type { AgentMessage } from '../transport/protocol';
import type { AgentInfo } from './agent-link';
import type { RunnerBreakers } from './runner-breakers';
import { runnerKind } from '../jobs/runner-kind';

type RunnerHealth = Extract<AgentMessage, { type: 'runner-health' }>;

/**
 * Feeds an agent's engine tool health (squeue, qstat, ... failing or answering again) to the
 * breakers of every (service, runner) of that kind: failures count towards opening them, the first
 * success closes them. Jobs are never touched: running ones go on, pending ones wait.
 */
export class EngineHealthFeed {
  /** Last failure count seen per agent name and kind, with the boot it belongs to. */
  private readonly seen = new Map<string, { bootId: string; consecutive: number }>();

  constructor(
    private readonly catalog: ServiceCatalog,
    private readonly breakers: RunnerBreakers,
    private readonly log: Logger,
  ) {}

  report(agent: AgentInfo, message: RunnerHealth): void {
    if (!agent.kinds.includes(message.kind)) {
      this.log.warn(
        { agent: agent.name, kind: message.kind, kinds: agent.kinds },
        'dropped a runner-health report for a kind the agent does not serve',
      );
      return;
    }
    const key = `${agent.name}/${message.kind}`;
    const last = this.seen.get(key);
    const before = last?.bootId === agent.bootId ? last.consecutive : 0;
    const now = message.ok ? 0 : message.consecutiveFailures;
    // Repeats (resent after a welcome) change nothing; a smaller count means a missed recovery.
    if (now === before && last?.bootId === agent.bootId) return;
    this.seen.set(key, { bootId: agent.bootId, consecutive: now });
    const reason = `${message.kind} engine tools failing (${now} in a row): ${message.reason ?? 'no reason'}`;
    for (const [service, runner] of this.runnersOf(message.kind)) {
      if (message.ok) this.breakers.success(service, runner);
      else this.breakers.failure(service, runner, reason, now);
    }
    this.log[message.ok ? 'info' : 'warn'](
      { agent: agent.name, kind: message.kind, failures: now, reason: message.reason ?? null },
      message.ok ? 'engine tools answer again' : 'engine tools failing',
    );
  }

  private *runnersOf(kind: string): Generator<[string, string]> {
    for (const service of this.catalog.list())
      for (const runner of service.runners)
        if (runnerKind(runner.type) === kind) yield [service.id, runner.id];
  }
}
