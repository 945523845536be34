import type { Delivery } from '../store/delivery-records';
import { wireTimestamp } from './timestamp';

/**
 * A job's webhook deliveries as clients see them: each event, its state and its attempts (time,
 * status code, error). The URL is left out: it may carry the receiver's own token.
 */
export function deliveriesResource(deliveries: Delivery[]): Record<string, unknown> {
  return {
    deliveries: deliveries.map((d) => ({
      id: d.id,
      event: d.event,
      state: d.state,
      createdAt: wireTimestamp(d.createdAt),
      nextAttemptAt: d.state === 'pending' ? wireTimestamp(d.nextAttemptAt) : null,
      attemptCount: d.attemptCount,
      attempts: d.attempts.map((a) => ({
        time: wireTimestamp(a.at),
        statusCode: a.statusCode,
        error: a.error,
      })),
    })),
  };
}
