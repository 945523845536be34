import type { AgentInfo } from './agent-link';
import type { ClaimLedger } from './claim-ledger';

/** What the connected agents can take now, per runner kind. */
export function freeSlots(agents: AgentInfo[]): Map<string, number> {
  const free = new Map<string, number>();
  for (const agent of agents) {
    const room = Math.max(0, agent.slots - agent.jobs.size);
    for (const kind of agent.kinds) free.set(kind, (free.get(kind) ?? 0) + room);
  }
  return free;
}

/** Jobs the agents hold, per service (weights share slots by what each already runs). */
export function runningByService(agents: AgentInfo[]): Map<string, number> {
  const running = new Map<string, number>();
  for (const agent of agents)
    for (const held of agent.jobs.values())
      running.set(held.service, (running.get(held.service) ?? 0) + 1);
  return running;
}

/** The least loaded agent of this kind with a free slot. */
export function pickAgent(agents: AgentInfo[], kind: string): AgentInfo | undefined {
  let best: AgentInfo | undefined;
  let bestLoad = Infinity;
  for (const agent of agents) {
    if (!agent.kinds.includes(kind) || agent.jobs.size >= agent.slots) continue;
    const load = agent.jobs.size / agent.slots;
    if (load < bestLoad) {
      best = agent;
      bestLoad = load;
    }
  }
  return best;
}

/** Dispatches of this scheduler's claims that live agents have not acknowledged yet. */
export function awaitingAck(agents: AgentInfo[], claims: ClaimLedger): number {
  let count = 0;
  for (const agent of agents)
    for (const [jobId, entry] of agent.unacked)
      if (claims.isSent(jobId, entry.spec.fencingToken)) count += 1;
  return count;
}

/** Jobs agents acknowledged and still run (service test runs are not jobs). */
export function jobsWithAgents(agents: AgentInfo[]): number {
  let count = 0;
  for (const agent of agents)
    for (const [jobId, held] of agent.jobs)
      if (held.purpose === 'job' && !agent.unacked.has(jobId)) count += 1;
  return count;
}
