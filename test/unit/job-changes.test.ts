import { ChangeAnnouncer, ChangeListener } from '../../src/transport/job-changes';
import { freePort } from '../helpers/free-port';

const until = async (check: () => boolean, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
};

describe('job change announcements (real ZeroMQ sockets)', () => {
  it('reach every listening server, coalesced but never lost after the last change', async () => {
    const address = `tcp://127.0.0.1:${await freePort()}`;
    const announcer = new ChangeAnnouncer();
    await announcer.bind(address);
    const heard = [0, 0];
    const listeners = heard.map((_, i) => {
      const listener = new ChangeListener(address);
      listener.start(() => heard[i]++);
      return listener;
    });
    try {
      // Subscriptions travel to the publisher asynchronously: announce until both hear one.
      await until(() => {
        announcer.announce();
        return heard.every((n) => n > 0);
      }, 5000);
      expect(heard.every((n) => n > 0)).toBe(true);
      const before = [...heard];
      for (let i = 0; i < 50; i++) announcer.announce();
      await until(() => heard.every((n, i) => n > before[i]), 2000);
      // A burst is coalesced into far fewer messages, and the last change is still announced.
      for (const [i, n] of heard.entries()) {
        expect(n).toBeGreaterThan(before[i]);
        expect(n - before[i]).toBeLessThanOrEqual(50);
      }
    } finally {
      for (const listener of listeners) listener.close();
      announcer.close();
    }
  });

  it('does nothing before it is bound, and a listener waits for a late announcer', async () => {
    const address = `tcp://127.0.0.1:${await freePort()}`;
    let heard = 0;
    const listener = new ChangeListener(address);
    listener.start(() => heard++);
    const announcer = new ChangeAnnouncer();
    announcer.announce(); // not bound yet: dropped, no error
    await announcer.bind(address);
    try {
      await until(() => {
        announcer.announce();
        return heard > 0;
      }, 5000);
      expect(heard).toBeGreaterThan(0);
    } finally {
      listener.close();
      announcer.close();
    }
  });
  it('announces progress after a short delay, and a finished job at once, covering it', async () => {
    const address = `tcp://127.0.0.1:${await freePort()}`;
    const announcer = new ChangeAnnouncer(300);
    await announcer.bind(address);
    const heardAt: number[] = [];
    const listener = new ChangeListener(address);
    listener.start(() => heardAt.push(Date.now()));
    try {
      await until(() => {
        announcer.announce();
        return heardAt.length > 0;
      }, 5000);
      await new Promise((r) => setTimeout(r, 50));
      heardAt.length = 0;
      const progressAt = Date.now();
      for (let i = 0; i < 10; i++) announcer.announceProgress();
      await until(() => heardAt.length > 0, 2000);
      // One message for the burst, not before the delay.
      expect(heardAt[0] - progressAt).toBeGreaterThanOrEqual(290);
      await new Promise((r) => setTimeout(r, 400));
      expect(heardAt).toHaveLength(1);
      // A finished job is announced at once and takes the pending progress announcement with it.
      heardAt.length = 0;
      announcer.announceProgress();
      const finishedAt = Date.now();
      announcer.announce();
      await until(() => heardAt.length > 0, 2000);
      expect(heardAt[0] - finishedAt).toBeLessThan(250);
      await new Promise((r) => setTimeout(r, 450));
      expect(heardAt).toHaveLength(1);
    } finally {
      listener.close();
      announcer.close();
    }
  });
});
