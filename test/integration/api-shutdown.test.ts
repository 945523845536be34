import { makeDamsonHome } from '../helpers/damson-home';
import { startDamson } from '../helpers/damson-process';

jest.setTimeout(30_000);

/** Waiting clients must not hold a stopping server: long-polls answer, event streams end. */
describe('server shutdown with waiting clients', () => {
  it('answers a long-poll and ends an event stream promptly on SIGTERM', async () => {
    const home = await makeDamsonHome();
    const damson = await startDamson(home);
    try {
      const submitted = await fetch(`${home.baseUrl}/api/services/sleep/jobs`, {
        method: 'POST',
        body: new URLSearchParams([['seconds', '60']]),
      });
      const job = (await submitted.json()) as { id: string };
      // Wait until it runs, so the long-poll below has nothing to report until shutdown.
      let status = '';
      for (let i = 0; i < 100 && status !== 'RUNNING'; i++) {
        const res = await fetch(`${home.baseUrl}/api/jobs/${job.id}?wait=5&status=${status}`);
        status = ((await res.json()) as { status: string }).status;
      }
      expect(status).toBe('RUNNING');
      const poll = fetch(`${home.baseUrl}/api/jobs/${job.id}?wait=60`);
      const stream = await fetch(`${home.baseUrl}/api/jobs/${job.id}/events`);
      const streamText = stream.text();
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      const code = await damson.stop();
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(code).toBe(0);
      const answered = await poll;
      expect(answered.status).toBe(200);
      expect(await streamText).toContain('event: job');
    } finally {
      await damson.stop();
    }
  });
});
