import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { WebhookSettings } from '../config/webhook-settings';
import { callbackProblem } from '../config/webhook-hosts';
import type { Job } from '../jobs';
import type { Logger } from '../lifecycle/logger';
import type { Delivery, DeliveryOutcome } from '../store/delivery-records';
import type { JobStore } from '../store/job-store';
import type { JobResource } from '../wire/api-resources';
import { postWebhook, type PostResult } from './post-webhook';
import { webhookSignature } from './webhook-signature';

/** Deliveries POSTed at once; the rest wait for the next round. */
const BATCH = 16;

export interface DelivererOptions {
  settings: WebhookSettings;
  /** The job as clients see it (the body of every delivery). */
  render: (job: Job) => JobResource;
  owner?: string;
}

/**
 * Sends the webhook deliveries the store records with each state change: claims due ones with a
 * lease (so a second scheduler, or this one restarted, takes over what a dead one held), POSTs
 * them signed, and records each attempt. Failures are retried with exponential backoff and jitter
 * until `maxAgeMs` after the event. At least once: a crash between a POST and its record repeats
 * the POST, with the same `Damson-Delivery` id.
 */
export class WebhookDeliverer {
  private readonly owner: string;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly store: JobStore,
    private readonly options: DelivererOptions,
    private readonly log: Logger,
  ) {
    this.owner =
      options.owner ?? `${hostname()}:${process.pid}:webhooks:${randomBytes(4).toString('hex')}`;
  }

  private get settings(): WebhookSettings {
    return this.options.settings;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A job just changed: look for its delivery now rather than at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.round(), delayMs);
    this.timer.unref?.();
  }

  private async round(): Promise<void> {
    this.timer = null;
    this.running = true;
    let full = false;
    try {
      const leaseMs = this.settings.requestTimeoutMs * 2 + 5000;
      const due = await this.store.claimDeliveries(this.owner, leaseMs, BATCH);
      full = due.length === BATCH;
      await Promise.all(due.map((delivery) => this.deliver(delivery)));
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'webhook deliveries: store unavailable');
    } finally {
      this.running = false;
    }
    const now = full || this.again;
    this.again = false;
    this.schedule(now ? 0 : this.settings.pollIntervalMs);
  }

  private async deliver(delivery: Delivery): Promise<void> {
    const body = delivery.body ?? (await this.firstBody(delivery));
    const now = new Date();
    if (body === null) {
      await this.record(
        delivery,
        '',
        { statusCode: null, error: 'the job is gone' },
        'failed',
        now,
      );
      return;
    }
    const problem = this.settings.secret
      ? callbackProblem(delivery.url, this.settings.allowedHosts)
      : 'webhooks are off: no api.webhooks.secret';
    const result: PostResult = problem
      ? { statusCode: null, error: problem }
      : await postWebhook(
          delivery.url,
          this.headers(delivery, body),
          body,
          this.settings.requestTimeoutMs,
        );
    const delivered =
      result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    if (delivered) {
      await this.record(delivery, body, result, 'delivered', now);
      return;
    }
    const next = this.nextAttemptAt(delivery, now);
    // A refused host stays refused: no retry.
    await this.record(delivery, body, result, next && !problem ? 'pending' : 'failed', next ?? now);
  }

  /**
   * The body of a delivery's first attempt: the job as it stands, with the event it reports.
   * Null when the job is gone, or never entered the state (a MongoDB write that died after its
   * delivery was recorded and before it landed).
   */
  private async firstBody(delivery: Delivery): Promise<string | null> {
    const job = await this.store.getJob(delivery.jobId);
    if (!job) return null;
    const entered =
      job.state === delivery.event || job.history.some((e) => e.state === delivery.event);
    if (!entered) return null;
    return JSON.stringify({
      ...this.options.render(job),
      event: { status: delivery.event, delivery: delivery.id },
    });
  }

  private headers(delivery: Delivery, body: string): Record<string, string> {
    const unixSeconds = Math.floor(Date.now() / 1000);
    return {
      'Content-Type': 'application/json; charset=utf-8',
      'User-Agent': 'Damson-Webhook/1',
      'Damson-Delivery': delivery.id,
      'Damson-Event': delivery.event,
      'Damson-Signature': webhookSignature(this.settings.secret!, unixSeconds, body),
    };
  }

  /**
   * Exponential backoff with jitter: the n-th retry waits between half and all of
   * base × 2^(n−1), capped at the maximum delay; null once that passes the delivery's age limit.
   */
  private nextAttemptAt(delivery: Delivery, now: Date): Date | null {
    const { retryBaseDelayMs, retryMaxDelayMs, maxAgeMs } = this.settings;
    const exponent = Math.min(delivery.attemptCount, 30);
    const ceiling = Math.min(retryMaxDelayMs, retryBaseDelayMs * 2 ** exponent);
    const delayMs = ceiling / 2 + Math.random() * (ceiling / 2);
    const at = now.getTime() + delayMs;
    return at > delivery.createdAt.getTime() + maxAgeMs ? null : new Date(at);
  }

  private async record(
    delivery: Delivery,
    body: string,
    result: PostResult,
    state: DeliveryOutcome['state'],
    nextAttemptAt: Date,
  ): Promise<void> {
    const recorded = await this.store.recordDelivery(delivery.id, this.owner, {
      body,
      attempt: { at: new Date(), statusCode: result.statusCode, error: result.error },
      state,
      nextAttemptAt,
    });
    if (!recorded) this.log.warn({ delivery: delivery.id }, 'webhook delivery lease lost');
    else if (state === 'failed')
      this.log.warn(
        { delivery: delivery.id, jobId: delivery.jobId, error: result.error },
        'webhook delivery given up',
      );
  }
}
