import type { JobState } from '../jobs';

/** One POST of a delivery: when, and what came of it (a status code, or an error). */
export interface DeliveryAttempt {
  at: Date;
  statusCode: number | null;
  error: string | null;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

/**
 * A webhook delivery: one event of one job, recorded by the store in the same atomic unit as the
 * state change it reports, and POSTed (at least once) by the scheduler's deliverer.
 */
export interface Delivery {
  /** Unique per event; also the `Damson-Delivery` header, which receivers dedupe on. */
  id: string;
  jobId: string;
  url: string;
  /** The state the job entered. */
  event: JobState;
  createdAt: Date;
  state: DeliveryState;
  /** The body, fixed at the first attempt so every retry sends the same bytes. */
  body: string | null;
  nextAttemptAt: Date;
  /** The latest attempts, oldest first (bounded: MAX_DELIVERY_ATTEMPTS_KEPT). */
  attempts: DeliveryAttempt[];
  attemptCount: number;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
}

/** What one POST changes: the attempt, and the next attempt time or the end. */
export interface DeliveryOutcome {
  body: string;
  attempt: DeliveryAttempt;
  /** `pending` with its next time, or the end (`delivered`, or `failed`: retries used up). */
  state: DeliveryState;
  nextAttemptAt: Date;
}

/** Attempts kept per delivery: the first ones tell as much as the rest. */
export const MAX_DELIVERY_ATTEMPTS_KEPT = 20;
/** Deliveries listed per job at most. */
export const MAX_DELIVERIES_LISTED = 100;

export interface DeliveryStore {
  /** Takes up to `limit` pending deliveries that are due and not leased by a live owner. */
  claimDeliveries(owner: string, leaseMs: number, limit: number): Promise<Delivery[]>;
  /** Records an attempt's outcome, if `owner` still holds the delivery's lease. */
  recordDelivery(id: string, owner: string, outcome: DeliveryOutcome): Promise<boolean>;
  /** A job's deliveries, oldest first. */
  listDeliveries(jobId: string): Promise<Delivery[]>;
}
