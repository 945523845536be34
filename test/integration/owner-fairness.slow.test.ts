import { openStore } from '../../src/bin/open-store';
import { loadSettings } from '../../src/config/load-settings';
import { jobDirectoryRelative, newJobId, type Job } from '../../src/jobs';
import type { JobStore } from '../../src/store/job-store';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import {
  describeWithMongo,
  startMongoServer,
  uniqueDatabaseName,
  type MongoServer,
} from '../helpers/ferretdb';

/**
 * Fair shares with real processes (server, scheduler, local agent): owner A has 1,000 jobs
 * waiting, then owner B submits one. B's job must start within the time of at most `slots` of A's
 * jobs, not after A's backlog. A's first job goes through the API; the other 999 are written into
 * the store the processes share with the store's own insert (as the server records a submission,
 * A's owner included), in concurrent batches: 1,000 HTTP submissions took most of a minute on
 * FerretDB, and what is tested is the dispatch, not the submission route. B submits over HTTP.
 * Slow (*.slow.test.ts): a thousand store writes and a running scheduler, on each store.
 */
jest.setTimeout(120_000);

const SLOTS = 2;
const BACKLOG = 1000;
const A = 'owner-a-token-0123456789abcdef';
const B = 'owner-b-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef00';
/** Store writes in flight at once while A's backlog is written. */
const INSERT_BATCH = 50;

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

    /** A's backlog: one job through the API, the rest its copies written into the store. */
    const fillBacklog = async (): Promise<void> => {
      const first = await store.getJob(await submit(A));
      if (!first) throw new Error("A's first job is not in the store");
      expect(first.owner).toBe('token:a');
      const copy = () => {
        const id = newJobId();
        return {
          id,
          service: first.service,
          inputs: first.inputs,
          parameters: first.parameters,
          workDir: jobDirectoryRelative(id),
          serviceRevision: first.serviceRevision,
          owner: first.owner,
        };
      };
      for (let written = 1; written < BACKLOG; written += INSERT_BATCH) {
        const batch = Math.min(INSERT_BATCH, BACKLOG - written);
        await Promise.all(Array.from({ length: batch }, () => store.insertJob(copy())));
      }
    };

    it(`B's one job starts before more than ${SLOTS} of A's ${BACKLOG} waiting jobs do`, async () => {
      const fillStarted = Date.now();
      await fillBacklog();
      process.stderr.write(
        `[fairness ${storeName}] backlog of ${BACKLOG} written in ${Date.now() - fillStarted} ms\n`,
      );
      const b = await submit(B);
      // From when B's submission was answered: its job is in the queue then. A claim made while
      // the request was still being answered could not have known of it.
      const submittedB = Date.now();
      let bClaimed: number | null = null;
      const deadline = Date.now() + 30_000;
      while (bClaimed === null && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        bClaimed = claimedAt(await store.getJob(b));
      }
      expect(bClaimed).not.toBeNull();
      // A's jobs that got a slot after B's submission was answered and before B got one: a
      // scheduler tick that read the queue just before claims at most the free slots, and the
      // next one gives B a slot.
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

let mongo: MongoServer | undefined;
fairness(
  describeWithMongo(),
  'MongoDB (FerretDB)',
  async () => {
    mongo = await startMongoServer();
    return { 'store.url': mongo.url, 'mongodb.database': uniqueDatabaseName('damson_fairness') };
  },
  async () => {
    await mongo?.dispose();
  },
);
