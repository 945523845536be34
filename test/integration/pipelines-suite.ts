import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApiClient } from '../helpers/api-client';
import { makeDamsonHome, REPO_ROOT, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { openSse } from '../helpers/sse-client';
import { waitFor } from '../helpers/wait-for';

const run = promisify(execFile);

const SERVICES = path.join(REPO_ROOT, 'test/fixtures/pipeline-services');

interface StepBody {
  name: string;
  service: string;
  after: string[];
  job: { '@url': string; id: string };
  status: string | null;
  finished: boolean;
  waiting: boolean;
  reason: string | null;
}
interface PipelineBody {
  '@url': string;
  id: string;
  status: string;
  finished: boolean;
  steps: StepBody[];
}
interface ErrorBody {
  errors: { step: string | null; parameter: string | null; errorCode: string }[];
}

/** Listing jobs needs a token. */
const TOKEN = 'ops-token-0123456789abcdef';
const countJobs = async (): Promise<number> =>
  (
    await api.json<{ jobs: unknown[] }>('/api/jobs?limit=500', {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
  ).body.jobs.length;

let home: DamsonHome;
let damson: RunningDamson;
let api: ApiClient;

/**
 * The pipeline tests against one damson process tree with `storeSettings` (none: SQLite), run by
 * pipelines.test.ts (SQLite) and pipelines-mongodb.slow.test.ts (FerretDB).
 */
export function pipelineSuite(storeSettings: () => Promise<Record<string, string>>): void {
  beforeAll(async () => {
    // Two slots: the fairness test below states its bound for two.
    home = await makeDamsonHome(
      {
        'local-agent.slots': 2,
        'scheduler.poll-interval': 200,
        'api.tokens': [{ name: 'ops', token: TOKEN }],
        ...(await storeSettings()),
      } as unknown as Record<string, string>,
      SERVICES,
    );
    damson = await startDamson(home);
    api = new ApiClient(home.baseUrl);
  });

  afterAll(async () => {
    await damson?.stop();
  });

  const step = (name: string, parameters: Record<string, unknown>) => ({
    name,
    service: 'step',
    parameters: { label: name, ...parameters },
  });
  const from = (name: string, output = 'out') => ({ from: name, output });

  async function submit(steps: unknown[]): Promise<PipelineBody> {
    const res = await api.json<PipelineBody>('/api/pipelines', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ steps }),
    });
    if (res.status !== 202) throw new Error(`submit: ${res.status} ${JSON.stringify(res.body)}`);
    expect(res.headers.get('location')).toBe(res.body['@url']);
    return res.body;
  }

  async function refused(steps: unknown): Promise<ErrorBody> {
    const res = await api.json<ErrorBody>('/api/pipelines', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ steps }),
    });
    expect(res.status).toBe(422);
    return res.body;
  }

  const pipeline = async (id: string, query = ''): Promise<PipelineBody> =>
    (await api.json<PipelineBody>(`/api/pipelines/${id}${query}`)).body;

  const finished = (id: string, timeoutMs = 30_000): Promise<PipelineBody> =>
    waitFor(
      async () => {
        const p = await pipeline(id, '?wait=5');
        return p.finished ? p : undefined;
      },
      `pipeline ${id} to finish`,
      timeoutMs,
    );

  async function outText(jobId: string, file = 'out.txt'): Promise<string> {
    const found = (await api.files(jobId)).find((f) => f.path === file);
    if (!found) throw new Error(`job ${jobId} has no ${file}`);
    return api.bytes(found['@content']);
  }

  const jobOf = (p: PipelineBody, name: string): string =>
    p.steps.find((s) => s.name === name)!.job.id;

  describe('pipelines against real processes', () => {
    it('runs a 3-step chain, each step reading the previous one’s output', async () => {
      const p = await submit([
        step('a', {}),
        step('b', { single: from('a') }),
        step('c', { input: [from('b')] }),
      ]);
      expect(p.status).toBe('RUNNING');
      const c = p.steps.find((s) => s.name === 'c')!;
      // To slivka's clients a waiting step is QUEUED, never PENDING.
      expect(c).toMatchObject({ status: 'QUEUED', waiting: true, after: ['b'] });
      const cJob = await api.job(c.job.id);
      expect(cJob.status).toBe('QUEUED');
      expect((cJob as unknown as { pipeline: string }).pipeline).toBe(p['@url']);
      const done = await finished(p.id);
      expect(done.status).toBe('COMPLETED');
      expect(done.steps.map((s) => s.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
      expect(await outText(jobOf(done, 'c'))).toBe('c\nb\na\n');
      // The released step's parameters name the upstream file by its job, never a server path.
      const b = await api.job(jobOf(done, 'b'));
      expect(b.parameters.single).toBe(`${jobOf(done, 'a')}/out.txt`);
    });

    it('runs a diamond (A → B, A → C, B + C → D) and a glob output into an array', async () => {
      const p = await submit([
        step('d', { input: [from('b'), from('c')] }),
        step('b', { input: [from('a')] }),
        step('c', { input: [from('a', 'parts')] }),
        step('a', {}),
      ]);
      // Stored upstream first, whatever the order they were sent in.
      expect(p.steps.map((s) => s.name)).toEqual(['a', 'b', 'c', 'd']);
      const done = await finished(p.id);
      expect(done.status).toBe('COMPLETED');
      expect(await outText(jobOf(done, 'b'))).toBe('b\na\n');
      expect(await outText(jobOf(done, 'c'))).toBe('c\na-1\na-2\n');
      expect(await outText(jobOf(done, 'd'))).toBe('d\nb\na\nc\na-1\na-2\n');
    });

    it('ends the dependants of a failing middle step as DELETED, naming it', async () => {
      const p = await submit([
        step('a', {}),
        step('b', { fail: true, single: from('a') }),
        step('c', { single: from('b') }),
        step('d', { input: [from('c'), from('a')] }),
      ]);
      const done = await finished(p.id);
      expect(done.status).toBe('FAILED');
      const byName = new Map(done.steps.map((s) => [s.name, s]));
      expect(byName.get('a')!.status).toBe('COMPLETED');
      expect(byName.get('b')!.status).toBe('FAILED');
      for (const name of ['c', 'd']) {
        expect(byName.get(name)!.status).toBe('DELETED');
        expect(byName.get(name)!.reason).toMatch(/pipeline step 'b' ended FAILED/);
      }
      // Never ran: no directory, no files.
      const res = await api.json<unknown>(`/api/jobs/${jobOf(done, 'c')}/files`);
      expect(res.status === 200 ? (res.body as { files: unknown[] }).files : []).toEqual([]);
    });

    it('cancels every step of a pipeline mid-run and leaves nothing running', async () => {
      const marker = `cancel-me-${Date.now()}`;
      const p = await submit([
        step('a', { sleep: 20, label: marker }),
        step('b', { single: from('a') }),
        step('c', { single: from('b') }),
      ]);
      const a = jobOf(p, 'a');
      await api.waitForState(a, ['RUNNING']);
      const res = await fetch(`${home.baseUrl}/api/pipelines/${p.id}`, { method: 'DELETE' });
      expect(res.status).toBe(204);
      const done = await finished(p.id, 20_000);
      expect(done.steps.every((s) => s.finished)).toBe(true);
      expect(done.steps.map((s) => s.status)).not.toContain('COMPLETED');
      for (const s of done.steps) expect(['DELETED', 'INTERRUPTED']).toContain(s.status);
      // The tool's process (its argv names the marker) is gone too.
      const processes = await run('ps', ['-eo', 'args']);
      expect(processes.stdout).not.toContain(marker);
      // Cancelling a finished pipeline is a conflict, not a success.
      const again = await fetch(`${home.baseUrl}/api/pipelines/${p.id}`, { method: 'DELETE' });
      expect(again.status).toBe(409);
    });

    it('streams a pipeline as SSE until it ends, and long-polls', async () => {
      const p = await submit([step('a', { sleep: 0.3 }), step('b', { single: from('a') })]);
      const stream = openSse(`${home.baseUrl}/api/pipelines/${p.id}/events`);
      expect(await stream.status).toBe(200);
      await stream.ended;
      const bodies = stream.events.map((e) => JSON.parse(e.data) as PipelineBody);
      expect(stream.events.every((e) => e.event === 'pipeline')).toBe(true);
      expect(bodies.length).toBeGreaterThan(1);
      expect(bodies[bodies.length - 1]).toMatchObject({ status: 'COMPLETED', finished: true });
      const polled = await pipeline(p.id, '?wait=5');
      expect(polled.status).toBe('COMPLETED');
      expect((await api.json(`/api/pipelines/AAAAAAAAAAAAAAAA`)).status).toBe(404);
      expect((await api.json(`/api/pipelines/..%2Fetc`)).status).toBe(404);
    });

    it('refuses an invalid pipeline with 422 naming step and parameter, creating nothing', async () => {
      const before = await countJobs();
      const cases: [unknown, string | null, string | null, string][] = [
        [[step('a', {}), step('b', { input: [from('x')] })], 'b', 'input', 'unknown_step'],
        [
          [step('a', {}), step('b', { input: [from('a', 'nope')] })],
          'b',
          'input',
          'unknown_output',
        ],
        [
          [step('a', {}), step('b', { single: from('a', 'parts') })],
          'b',
          'single',
          'glob_needs_array',
        ],
        [
          [step('a', {}), step('b', { input: [from('a', 'log')] })],
          'b',
          'input',
          'media_type_mismatch',
        ],
        [[step('a', {}), step('b', { label: from('a') })], 'b', 'label', 'not_a_file'],
        [
          [step('a', { input: [from('b')] }), step('b', { input: [from('a')] })],
          'a',
          null,
          'cycle',
        ],
        [[step('a', { input: [from('a')] })], 'a', 'input', 'self_reference'],
        [
          [step('a', {}), { name: 'b', service: 'nope', parameters: {} }],
          'b',
          'service',
          'unknown_service',
        ],
        [[step('a', {}), step('b', { sleep: 'x', single: from('a') })], 'b', 'sleep', 'invalid'],
        [[step('a', {}), { name: 'b', service: 'step', parameters: {} }], 'b', 'label', 'required'],
        [[step('a', {}), step('a', {})], 'a', null, 'duplicate_name'],
        [
          [step('a', { single: { from: 'a', output: 'out', extra: 1 } })],
          'a',
          'single',
          'invalid_value',
        ],
        [Array.from({ length: 33 }, (_, i) => step(`s${i}`, {})), null, null, 'too_many_steps'],
        [[], null, null, 'no_steps'],
        ['steps', null, null, 'invalid'],
      ];
      for (const [steps, stepName, parameter, code] of cases) {
        const body = await refused(steps);
        expect(body.errors).toContainEqual(
          expect.objectContaining({ step: stepName, parameter, errorCode: code }),
        );
      }
      expect(await countJobs()).toBe(before);
      const notJson = await fetch(`${home.baseUrl}/api/pipelines`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"steps": [',
      });
      expect(notJson.status).toBe(400);
    });

    it('runs the later steps of early pipelines before the first steps of much later ones', async () => {
      // Two slots and a stream of 3-step chains arriving faster than they run. Released steps keep
      // their pipeline's place in the queue, so at most two pipelines are under way at a time; the
      // bound allows twice that: the last step of pipeline i has finished before the first step of
      // pipeline i + 4 is claimed. Were released steps queued behind new work, every first step of
      // the stream would be claimed before the first pipeline's last step.
      const COUNT = 8;
      const BOUND = 4;
      const submitted: PipelineBody[] = [];
      for (let i = 0; i < COUNT; i++) {
        const sleep = { sleep: 0.3 };
        submitted.push(
          await submit([
            step('a', sleep),
            step('b', { ...sleep, single: from('a') }),
            step('c', { ...sleep, single: from('b') }),
          ]),
        );
        await new Promise((r) => setTimeout(r, 100));
      }
      const done = await Promise.all(submitted.map((p) => finished(p.id, 60_000)));
      const claimedAt = async (jobId: string): Promise<number> => {
        const job = (await api.job(jobId)) as unknown as {
          history: { state: string; time: string }[];
        };
        return Date.parse(job.history.find((h) => h.state === 'ACCEPTED')!.time);
      };
      const endedAt = async (jobId: string): Promise<number> =>
        Date.parse((await api.job(jobId)).completionTime!);
      const late: string[] = [];
      for (let i = 0; i + BOUND < COUNT; i++) {
        expect(done[i].status).toBe('COMPLETED');
        const lastEnded = await endedAt(jobOf(done[i], 'c'));
        const laterClaimed = await claimedAt(jobOf(done[i + BOUND], 'a'));
        if (lastEnded > laterClaimed) late.push(`pipeline ${i} vs ${i + BOUND}`);
      }
      expect(late).toEqual([]);
    });
  });
}
