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

  async bind(address: string): Promise<void> {
    await this.socket.bind(address);
    this.bound = true;
  }

  /** Coalesces: one message in flight, and one more after it if something changed meanwhile. */
  announce(): void {
    if (!this.bound) return;
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

  close(): void {
    this.bound = false;
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
