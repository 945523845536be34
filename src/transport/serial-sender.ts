import type { Dealer, Router } from 'zeromq';

/**
 * zeromq.js refuses a send while another is in progress on the same socket. Sends are queued here
 * and written one after another, so callers can fire and forget (pipelining, no awaiting replies).
 */
export class SerialSender {
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly socket: Dealer | Router,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Resolves once the frames are handed to ZeroMQ (or the send failed and was reported). */
  send(frames: Buffer | (Buffer | string)[]): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.queue = this.queue
      .then(() => (this.closed ? undefined : this.socket.send(frames)))
      .catch((error: Error) => this.onError(error));
    return this.queue;
  }

  /** Waits for queued sends to leave, `timeoutMs` at most: a stop must not hang on a lost peer. */
  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.queue, timeout]);
    clearTimeout(timer);
  }

  close(): void {
    this.closed = true;
  }
}
