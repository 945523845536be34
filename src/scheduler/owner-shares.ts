import type { OwnerShare } from '../config/owner-settings';
import type { Job } from '../jobs';
import type { ClaimQueue } from '../store/job-store';
import type { AgentInfo } from './agent-link';
import { allocateSlots, type ShareCandidate } from './fair-share';

/** An owner's cap and weight (config/owner-settings.ts `ownerShare`). */
export type OwnerPolicy = (owner: string | null) => Pick<OwnerShare, 'maxActive' | 'weight'>;

/** Per-owner caps and weights for the scheduler; absent: all owners equal, no caps. */
export interface OwnerSharing {
  policy: OwnerPolicy;
  /** Whether any owner has a `max-active` cap (then even a lone owner's claims are counted). */
  hasCaps: boolean;
}

const EQUAL_OWNERS: OwnerSharing = { policy: () => ({ maxActive: 0, weight: 1 }), hasCaps: false };

/** Map keys for owners: kinds are prefixed (`token:`…), so '' can only be "no owner". */
const keyOf = (owner: string | null): string => owner ?? '';
const ownerOfKey = (key: string): string | null => (key === '' ? null : key);

/**
 * Fair shares between owners: the slots the scheduler gives a service (by priority and service
 * weights, fair-share.ts) are split between the owners with due jobs of it, each slot to the owner
 * furthest below its weighted share, counting the jobs each already has with the agents (weighted
 * fair share, as between services), and never past an owner's `max-active`. So one owner's
 * thousand waiting jobs take turns with another's one: the other's starts as soon as a slot frees.
 * Within an owner, jobs still go by priority, then submission order (the store's claim order).
 */
export class OwnerShares {
  /** The owner of each job this scheduler claimed, while an agent may hold it. */
  private readonly owners = new Map<string, string | null>();

  private readonly sharing: OwnerSharing;

  constructor(
    private readonly store: ClaimQueue,
    /** The scheduler's lease owner and lease, and the owners' caps and weights. */
    private readonly lease: { owner: string; leaseMs: number; owners?: OwnerSharing },
  ) {
    this.sharing = lease.owners ?? EQUAL_OWNERS;
  }

  /**
   * Claims up to `count` due jobs of `service`, shared between owners. With one owner waiting
   * and no caps, one plain claim: fairness costs nothing when no one competes.
   */
  async claim(service: string, count: number, agents: AgentInfo[]): Promise<Job[]> {
    const { owner: leaseOwner, leaseMs } = this.lease;
    const waiting = await this.store.pendingByOwner(service);
    if (waiting.length === 0) return [];
    // Also forgets the jobs no agent holds any more, so the map stays as small as the slots.
    const active = this.activeByOwner(agents);
    if (waiting.length === 1 && !this.sharing.hasCaps)
      return this.remember(await this.store.claimPending(leaseOwner, leaseMs, count, service));
    const candidates: ShareCandidate[] = [];
    for (const { owner, due } of waiting) {
      const { maxActive, weight } = this.sharing.policy(owner);
      const running = active.get(keyOf(owner)) ?? 0;
      const room = maxActive > 0 ? Math.max(0, maxActive - running) : due;
      if (room > 0)
        candidates.push({ service: keyOf(owner), due: Math.min(due, room), running, weight });
    }
    // Ties (equal load) go to the owner with fewer jobs waiting (and a store that claims share by
    // share claims its share first): when a backlog's jobs finish between ticks its load is as low as a newcomer's, and
    // the newcomer's one job must not lose every tie to the backlog's queue order.
    candidates.sort((a, b) => a.due - b.due);
    const shares = [...allocateSlots(count, candidates)].map(([key, n]) => ({
      owner: ownerOfKey(key),
      due: n,
    }));
    return this.remember(await this.store.claimShares(leaseOwner, leaseMs, service, shares));
  }

  private remember(jobs: Job[]): Job[] {
    for (const job of jobs) this.owners.set(job.id, job.owner);
    return jobs;
  }

  /**
   * Jobs agents hold now, per owner. Jobs claimed before this scheduler started (its predecessor's)
   * have no known owner and count for none; the map forgets every job no agent holds any more.
   */
  private activeByOwner(agents: AgentInfo[]): Map<string, number> {
    const held = new Set<string>();
    const active = new Map<string, number>();
    for (const agent of agents)
      for (const jobId of agent.jobs.keys()) {
        held.add(jobId);
        if (!this.owners.has(jobId)) continue;
        const key = keyOf(this.owners.get(jobId) ?? null);
        active.set(key, (active.get(key) ?? 0) + 1);
      }
    for (const jobId of this.owners.keys()) if (!held.has(jobId)) this.owners.delete(jobId);
    return active;
  }
}
