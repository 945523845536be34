import { Pull, Push, type Readable } from 'zeromq';

/** Calls `onMessage` for each non-empty message until the socket closes. */
export function forEachMessage(socket: Readable, onMessage: () => void): void {
  void (async () => {
    try {
      for await (const [frame] of socket) if (frame) onMessage();
    } catch {
      // closed
    }
  })();
}

/**
 * Servers nudge the scheduler after a write so it need not poll. Best effort: a lost wake-up only
 * delays a job until the scheduler's next poll.
 */
export class WakeSender {
  private readonly socket = new Push({
    sendTimeout: 0,
    sendHighWaterMark: 1,
    linger: 0,
    immediate: true,
  });
  private busy = false;

  constructor(address: string) {
    this.socket.connect(address);
  }

  wake(): void {
    if (this.busy) return;
    this.busy = true;
    this.socket
      .send('wake')
      .catch(() => undefined)
      .finally(() => {
        this.busy = false;
      });
  }

  close(): void {
    this.socket.close();
  }
}

export class WakeListener {
  private readonly socket = new Pull({ linger: 0 });

  constructor(private readonly address: string) {}

  async start(onWake: () => void): Promise<void> {
    await this.socket.bind(this.address);
    forEachMessage(this.socket, onWake);
  }

  close(): void {
    this.socket.close();
  }
}
