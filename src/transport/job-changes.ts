import { Publisher, Subscriber } from 'zeromq';
import { forEachMessage } from './wake';

const SIGNAL = 'changed';

/**
 * The scheduler tells servers that job states changed, so a long-poll or an event stream answers
 * at once instead of at the server's next store poll. Best effort: a server's own poll still
 * catches whatever a lost message missed. The message carries no job ids, because an id is all it
 * takes to read a job's results and anyone who reaches the port can subscribe; a server re-reads
 * the few jobs someone is waiting on instead.
 */
export class ChangeAnnouncer {
  private readonly socket = new Publisher({ linger: 0, sendHighWaterMark: 16 });
  private bound = false;
  private sending = false;
  private pending = false;
  private progressTimer: NodeJS.Timeout | null = null;

  /**
   * `progressDelayMs`: how long a change that finishes no job may wait. A short job then costs its
   * waiting clients one answer, at its end, instead of one per state it passed through, and those
   * answers no longer compete for the CPU with the job's own dispatch and spawn.
   */
  constructor(private readonly progressDelayMs = 20) {}

  async bind(address: string): Promise<void> {
    await this.socket.bind(address);
    this.bound = true;
  }

  /** Now, for a job that finished. Coalesces: one message in flight, one more after it if needed. */
  announce(): void {
    if (!this.bound) return;
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.progressTimer = null;
    if (this.sending) {
      this.pending = true;
      return;
    }
    this.sending = true;
    this.pending = false;
    this.socket
      .send(SIGNAL)
      .catch(() => undefined)
      .finally(() => {
        this.sending = false;
        if (this.pending) this.announce();
      });
  }

  /** Within progressDelayMs, for a change on the way (claimed, queued, running): see above. */
  announceProgress(): void {
    if (!this.bound || this.progressTimer) return;
    this.progressTimer = setTimeout(() => this.announce(), this.progressDelayMs);
  }

  close(): void {
    this.bound = false;
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.progressTimer = null;
    this.socket.close();
  }
}

/** A server's end: connects (and reconnects) to the scheduler's announcer. */
export class ChangeListener {
  private readonly socket = new Subscriber({ linger: 0 });

  constructor(address: string) {
    this.socket.connect(address);
    this.socket.subscribe(SIGNAL);
  }

  start(onChange: () => void): void {
    forEachMessage(this.socket, onChange);
  }

  close(): void {
    this.socket.close();
  }
}
