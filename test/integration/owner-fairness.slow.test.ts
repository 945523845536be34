import { openStore } from '../../src/bin/open-store';
import { loadSettings } from '../../src/config/load-settings';
import type { Job } from '../../src/jobs';
import type { JobStore } from '../../src/store/job-store';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';

/**
 * Fair shares with real processes (server, scheduler, local agent): owner A submits 1,000 jobs,
 * then owner B submits one. B's job must start within the time of at most `slots` of A's jobs,
 * not after A's backlog. Slow (*.slow.test.ts) because 1,000 submissions are the point of it:
 * about 15 s on SQLite and 30 s on FerretDB on a loaded machine.
 */
jest.setTimeout(120_000);

const SLOTS = 2;
const BACKLOG = 1000;
const A = 'owner-a-token-0123456789abcdef';
const B = 'owner-b-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef00';

/** When the job got a slot (its claim), to the millisecond, as the store recorded it. */
const claimedAt = (job: Job | null): number | null =>
  job?.history.find((h) => h.state === 'ACCEPTED')?.at.getTime() ?? null;

function fairness(
  describeOn: jest.Describe,
  storeName: string,
  storeSettings: () => Promise<Record<string, string>>,
  dispose: () => Promise<void>,
) {
  describeOn(`fair shares between owners on ${storeName}`, () => {
    let home: DamsonHome;
    let damson: RunningDamson;
    let store: JobStore;

    beforeAll(async () => {
      home = await makeDamsonHome({
        ...(await storeSettings()),
        'local-agent.slots': SLOTS,
        'api.tokens': [
          { name: 'a', token: A },
          { name: 'b', token: B },
          { name: 'ops', token: ADMIN, scopes: ['admin'] },
        ],
      } as unknown as Record<string, string>);
      damson = await startDamson(home);
      // The test reads the store itself: the API's timestamps have whole seconds only.
      store = await openStore(loadSettings({ DAMSON_HOME: home.home }));
    });

    afterAll(async () => {
      await store?.close();
      await damson?.stop();
      await dispose();
    });

    const submit = async (token: string): Promise<string> => {
      const res = await fetch(`${home.baseUrl}/api/services/sleep/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: new URLSearchParams([['seconds', '0.3']]),
      });
      if (res.status !== 202) throw new Error(`submission answered ${res.status}`);
      return ((await res.json()) as { id: string }).id;
    };

    it(`B's one job starts before more than ${SLOTS} of A's ${BACKLOG} waiting jobs do`, async () => {
      let next = 0;
      const worker = async () => {
        while (next < BACKLOG) {
          next++;
          await submit(A);
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      const submittedB = Date.now();
      const b = await submit(B);
      let bClaimed: number | null = null;
      const deadline = Date.now() + 30_000;
      while (bClaimed === null && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        bClaimed = claimedAt(await store.getJob(b));
      }
      expect(bClaimed).not.toBeNull();
      // A's jobs that got a slot after B submitted and before B got one.
      const started = await store.listJobs({
        owner: 'token:a',
        states: ['ACCEPTED', 'QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'ERROR'],
        limit: BACKLOG,
      });
      const between = started.jobs.filter((job) => {
        const at = claimedAt(job);
        return at !== null && at > submittedB && at < bClaimed!;
      });
      expect(between.length).toBeLessThanOrEqual(SLOTS);
      // Most of A's backlog still waits: B did not simply wait it out.
      const waiting = await store.listJobs({
        owner: 'token:a',
        states: ['PENDING'],
        limit: BACKLOG,
      });
      expect(waiting.jobs.length).toBeGreaterThan(BACKLOG / 2);
    });
  });
}

fairness(
  describe,
  'SQLite',
  async () => ({}),
  async () => undefined,
);
