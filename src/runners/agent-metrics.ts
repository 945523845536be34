import { Gauge, type Registry } from 'prom-client';
import type { Executor } from './executor';

/** An agent's own metrics: its slots, busy (holding a job) or free, read at each scrape. */
export function agentMetrics(registry: Registry, executor: Executor, kind: string): void {
  new Gauge({
    name: 'damson_agent_slots',
    help: 'Slots of this agent, busy (holding a job: queued, running or ending) or free',
    labelNames: ['kind', 'state'],
    registers: [registry],
    collect() {
      const busy = Math.min(executor.running().length, executor.slots);
      this.set({ kind, state: 'busy' }, busy);
      this.set({ kind, state: 'free' }, executor.slots - busy);
    },
  });
}
