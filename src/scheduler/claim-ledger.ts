/** Where a claim of this scheduler stands, as far as an agent could know it. */
export type ClaimPhase =
  /** Claimed, never sent: no agent can have it. */
  | 'held'
  /** Sent, not acknowledged: an agent may have started it. */
  | 'sent'
  /** Sent and refused by the agent while this scheduler was stopping: no agent runs it. */
  | 'refused';

export interface LedgerClaim {
  jobId: string;
  fencingToken: number;
  phase: ClaimPhase;
  /** When the claim's lease runs out; recovery owns the job after that. */
  leaseExpiresAtMs: number;
}

/** What a stopping scheduler does with the claims it still holds. */
export interface ReleasePlan {
  /** Safe to hand back (PENDING, no attempt lost): no agent runs them. */
  release: LedgerClaim[];
  /** May have reached an agent: left to the next scheduler's recovery, or it could run twice. */
  inDoubt: LedgerClaim[];
}

/**
 * The claims of this scheduler that are still ACCEPTED in the store as far as it knows: claimed,
 * not yet settled by a write of its own or a report of an agent. A stopping scheduler releases
 * the ones no agent can hold, so the next one claims them at once instead of writing them off.
 */
export class ClaimLedger {
  // Insertion order is claim order, so expired entries are always at the front.
  private readonly claims = new Map<string, LedgerClaim>();

  claimed(jobId: string, fencingToken: number, leaseExpiresAtMs: number, nowMs: number): void {
    this.claims.delete(jobId);
    this.claims.set(jobId, { jobId, fencingToken, phase: 'held', leaseExpiresAtMs });
    this.forgetExpired(nowMs);
  }

  sent(jobId: string, fencingToken: number): void {
    this.move(jobId, fencingToken, 'sent');
  }

  refused(jobId: string, fencingToken: number): void {
    this.move(jobId, fencingToken, 'refused');
  }

  /** The job left ACCEPTED (or was handed back) through a write or an agent's report. */
  settled(jobId: string, fencingToken: number): void {
    if (this.claims.get(jobId)?.fencingToken === fencingToken) this.claims.delete(jobId);
  }

  get size(): number {
    return this.claims.size;
  }

  /** Sent under this token and not answered for yet. */
  isSent(jobId: string, fencingToken: number): boolean {
    const claim = this.claims.get(jobId);
    return claim?.phase === 'sent' && claim.fencingToken === fencingToken;
  }

  plan(nowMs: number): ReleasePlan {
    const release: LedgerClaim[] = [];
    const inDoubt: LedgerClaim[] = [];
    for (const claim of this.claims.values()) {
      if (claim.leaseExpiresAtMs <= nowMs) continue;
      (claim.phase === 'sent' ? inDoubt : release).push(claim);
    }
    return { release, inDoubt };
  }

  private move(jobId: string, fencingToken: number, phase: ClaimPhase): void {
    const claim = this.claims.get(jobId);
    if (claim?.fencingToken === fencingToken) claim.phase = phase;
  }

  /**
   * A claim past its lease is recovery's (it may be UNKNOWN by now, and a release from UNKNOWN
   * would hide a lost attempt); forgetting it also bounds the map when a tick failed mid-batch.
   * Leases are equal, so claim order is expiry order and the scan stops at the first live one.
   */
  private forgetExpired(nowMs: number): void {
    for (const [jobId, claim] of this.claims) {
      if (claim.leaseExpiresAtMs > nowMs) break;
      this.claims.delete(jobId);
    }
  }
}

/** What a graceful stop handed back and what it left to the next scheduler. */
export interface ReleaseReport {
  /** Claimed, never run by an agent: PENDING again, no attempt lost. */
  released: string[];
  /** The store refused the release (cancelled meanwhile, or no longer this claim). */
  refused: string[];
  /** Sent but never acknowledged: an agent may run them; the next scheduler's recovery decides. */
  inDoubt: string[];
  /** Jobs agents acknowledged and still run; the next scheduler adopts them from their hello. */
  withAgents: number;
}

/**
 * How long a stop waits for agents to acknowledge dispatches and for their reports to be recorded.
 * Dispatches are resent every heartbeat, so a live agent answers within one; three silent
 * heartbeats is when an agent counts as dead anyway, so waiting longer learns nothing. Capped so
 * the whole stop stays within a shutdown step (5 s) and a supervisor's grace (10 s).
 */
export function drainBoundMs(heartbeatIntervalMs: number): number {
  return Math.min(3 * heartbeatIntervalMs, 3000);
}
