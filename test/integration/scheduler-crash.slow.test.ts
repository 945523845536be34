import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isFinished, type Job, type Pipeline } from '../../src/jobs';
import type { DamsonChild } from '../helpers/scheduler-harness';
import { SchedulerHarness } from '../helpers/scheduler-harness';
import { waitFor } from '../helpers/wait-for';

/**
 * kill -9 the scheduler, the local agent and the server at random moments, CYCLES times each, while
 * clients submit jobs that append their id to a ledger; the scheduler and the agent also run with
 * named failpoints (between claim, dispatch, acknowledgement, spawn and report) that make them kill
 * themselves at random. Afterwards: every job in the store (every accepted one among them) is
 * finished, none ran more often than 1 + its recorded lost attempts, none is stuck. A fifth lane
 * submits pipelines (a chain and a diamond of `ledger-step`): every step of every accepted pipeline
 * ends, none ran before all its upstream steps' last runs, each read its upstream steps' files.
 */
const CYCLES = Number(process.env.DAMSON_CRASH_CYCLES ?? 50);
const FAILPOINTS = {
  scheduler:
    'scheduler-after-claim:0.01,scheduler-after-dispatch:0.01,scheduler-after-ack:0.01,scheduler-before-record:0.01,scheduler-before-release:0.02',
  agent: 'agent-after-spawn:0.01,agent-before-report:0.005',
};

const READY: Record<string, RegExp> = {
  scheduler: /scheduler running/,
  agent: /agent running/,
  server: /server listening/,
};

jest.setTimeout(15 * 60_000);

type Role = 'scheduler' | 'agent' | 'server';

let h: SchedulerHarness;

afterAll(async () => {
  await h?.close();
});

it(`loses no job and runs none twice across ${CYCLES} kill -9 of each process`, async () => {
  h = await SchedulerHarness.create({
    'log.level': 'info',
    'local-agent.slots': 8,
    'scheduler.retries': 3,
    'scheduler.max-retries': 3,
    'scheduler.lost-job-grace': 2000,
  });
  const procs = new Map<Role, DamsonChild>();
  const failpointHits = new Map<string, number>();
  let running = true;
  const launch = (role: Role): void => {
    const child =
      role === 'server'
        ? h.start(['server'])
        : role === 'scheduler'
          ? h.scheduler({ DAMSON_FAILPOINT: FAILPOINTS.scheduler })
          : h.agent([], { DAMSON_FAILPOINT: FAILPOINTS.agent });
    procs.set(role, child);
    // A failpoint (or anything else) killed it: bring it back as a supervisor would.
    void child.exited.then(() => {
      h.children.delete(child);
      if (running && procs.get(role) === child) launch(role);
    });
    // Counted once its output is closed: on 'exit' the failpoint's last line may not be read yet.
    child.child.once('close', () => {
      for (const m of child.output().matchAll(/failpoint (\S+): SIGKILL/g))
        failpointHits.set(m[1], (failpointHits.get(m[1]) ?? 0) + 1);
    });
  };
  for (const role of ['scheduler', 'agent', 'server'] as Role[]) launch(role);

  const accepted = new Set<string>();
  let refused = 0;
  const submitLane = async (): Promise<void> => {
    while (running) {
      const form = new FormData();
      form.append('seconds', String(Math.random() < 0.5 ? 0 : 0.2));
      try {
        const res = await fetch(`${h.home.baseUrl}/api/services/ledger/jobs`, {
          method: 'POST',
          body: form,
          signal: AbortSignal.timeout(3000),
        });
        if (res.status === 202) accepted.add(((await res.json()) as { id: string }).id);
        else refused++;
      } catch {
        refused++;
        await new Promise((r) => setTimeout(r, 50));
      }
      // About 40 jobs a second in all while the server is up: a backlog the calm end can drain.
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const pipelines = new Set<string>();
  const ref = (name: string) => ({ from: name, output: 'out' });
  const stage = (name: string, ...from: string[]) => ({
    name,
    service: 'ledger-step',
    parameters: { seconds: Math.random() < 0.5 ? 0 : 0.1, input: from.map(ref) },
  });
  const pipelineLane = async (): Promise<void> => {
    for (let n = 0; running; n++) {
      const steps =
        n % 2 === 0
          ? [stage('a'), stage('b', 'a'), stage('c', 'b')]
          : [stage('a'), stage('b', 'a'), stage('c', 'a'), stage('d', 'b', 'c')];
      try {
        const res = await fetch(`${h.home.baseUrl}/api/pipelines`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ steps }),
          signal: AbortSignal.timeout(3000),
        });
        if (res.status === 202) pipelines.add(((await res.json()) as { id: string }).id);
        else refused++;
      } catch {
        refused++;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const lanes = [...[1, 2, 3, 4].map(() => submitLane()), pipelineLane()];

  const kills: Record<Role, number> = { scheduler: 0, agent: 0, server: 0 };
  const roles: Role[] = ['scheduler', 'agent', 'server'];
  // Each cycle kills all three, each at its own random moment, then waits until all work again.
  const cycle = async (role: Role): Promise<void> => {
    // Kills land while work flows: past a restarted scheduler's reconciliation (2.5 heartbeats,
    // 500 ms here, before which it claims nothing), amid claims, dispatches, spawns and reports.
    await new Promise((r) => setTimeout(r, 600 + Math.random() * 900));
    const victim = procs.get(role)!;
    procs.delete(role);
    await victim.kill('SIGKILL');
    kills[role]++;
    launch(role);
    await waitFor(
      async () => {
        const child = procs.get(role);
        return child && READY[role].test(child.output()) ? true : undefined;
      },
      `${role} to be ready`,
      20_000,
      20,
    );
  };
  for (let i = 0; i < CYCLES; i++) await Promise.all(roles.map(cycle));
  running = false;
  await Promise.all(lanes);
  // Calm restarts: no more failpoints, so the system can settle.
  for (const role of ['scheduler', 'agent'] as Role[]) {
    const child = procs.get(role)!;
    procs.delete(role);
    await child.kill('SIGKILL');
    procs.set(role, role === 'scheduler' ? h.scheduler() : h.agent());
  }

  const unfinished = async () =>
    (await h.store.listJobs({ limit: 100_000 })).jobs.filter((j) => !isFinished(j.state));
  // Stuck means no progress: the backlog may take a while, but some job must finish every 30 s.
  let left = (await unfinished()).length;
  let progressAt = Date.now();
  const deadline = Date.now() + 10 * 60_000;
  while (left > 0) {
    await new Promise((r) => setTimeout(r, 500));
    const now = (await unfinished()).length;
    if (now < left) progressAt = Date.now();
    left = now;
    if (left > 0 && (Date.now() - progressAt > 30_000 || Date.now() > deadline)) {
      throw new Error(
        `${left} jobs not finished, none for 30 s: ${JSON.stringify((await unfinished()).slice(0, 5))}`,
      );
    }
  }
  const { jobs } = await h.store.listJobs({ limit: 100_000 });
  const runs = new Map<string, number>();
  for (const id of h.ledger()) runs.set(id, (runs.get(id) ?? 0) + 1);
  const twice = jobs.filter((j) => (runs.get(j.id) ?? 0) > 1 + j.lostAttempts);
  const states: Record<string, number> = {};
  for (const j of jobs) states[j.state] = (states[j.state] ?? 0) + 1;
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const lostAccepted = [...accepted].filter((id) => !byId.has(id));
  process.stdout.write(
    `crash test: kills ${JSON.stringify(kills)}, failpoints ${JSON.stringify(Object.fromEntries(failpointHits))}, ` +
      `${accepted.size} accepted (${refused} submissions refused or cut), ${jobs.length} jobs: ${JSON.stringify(states)}, ` +
      `re-runs after a recorded loss: ${[...runs.values()].filter((n) => n > 1).length}\n`,
  );
  expect(kills).toEqual({ scheduler: CYCLES, agent: CYCLES, server: CYCLES });
  // At 1% a point and over a thousand jobs, the named failpoints fire dozens of times in a full
  // run; a run with none would not have tested the moments between claim, dispatch and report.
  if (CYCLES >= 20)
    expect([...failpointHits.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  expect(accepted.size).toBeGreaterThan(CYCLES);
  expect(lostAccepted).toEqual([]);
  expect(twice.map((j) => ({ id: j.id, runs: runs.get(j.id), lost: j.lostAttempts }))).toEqual([]);
  // Every run in the ledger belongs to a stored job.
  expect([...runs.keys()].filter((id) => !byId.has(id))).toEqual([]);
  // A job that never ran must have a recorded reason for ending.
  for (const j of jobs.filter((j) => j.state !== 'COMPLETED')) expect(j.reason).toBeTruthy();
  await expectPipelinesSound([...pipelines], byId, h.ledger());
});

/**
 * Every accepted pipeline is recorded and ends; a step ran only after every run of its upstream
 * steps (the ledger is in time order), only if they all COMPLETED, and read their files.
 */
async function expectPipelinesSound(
  ids: string[],
  byId: Map<string, Job>,
  ledger: string[],
): Promise<void> {
  expect(ids.length).toBeGreaterThan(0);
  const found = await Promise.all(ids.map((id) => h.store.pipelines.getPipeline(id)));
  expect(ids.filter((_, i) => !found[i])).toEqual([]);
  await waitFor(
    async () => ((await h.store.pipelines.listOpen(1)).length === 0 ? true : undefined),
    'every pipeline to be marked ended',
    30_000,
  );
  const firstRun = new Map<string, number>();
  const lastRun = new Map<string, number>();
  ledger.forEach((id, i) => {
    if (!firstRun.has(id)) firstRun.set(id, i);
    lastRun.set(id, i);
  });
  const early: string[] = [];
  let ranSteps = 0;
  for (const pipeline of found as Pipeline[]) {
    const jobOf = new Map(pipeline.steps.map((s) => [s.name, byId.get(s.jobId)]));
    for (const step of pipeline.steps) {
      const job = jobOf.get(step.name)!;
      expect(job && isFinished(job.state)).toBe(true);
      const ups = step.after.map((name) => jobOf.get(name)!);
      const ran = firstRun.get(job.id);
      if (ran === undefined) continue;
      ranSteps++;
      expect(ups.map((u) => u.state).filter((state) => state !== 'COMPLETED')).toEqual([]);
      if (ups.some((u) => (lastRun.get(u.id) ?? Infinity) > ran)) early.push(job.id);
      if (job.state !== 'COMPLETED') continue;
      const out = readFileSync(path.join(h.jobsDirectory, job.workDir, 'out.txt'), 'utf8');
      for (const up of ups) expect(out).toContain(path.join(h.jobsDirectory, up.workDir));
    }
  }
  expect(early).toEqual([]);
  expect(ranSteps).toBeGreaterThan(ids.length);
  process.stdout.write(`crash test: ${ids.length} pipelines, ${ranSteps} steps ran\n`);
}
