import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../lifecycle/logger';
import type { ServiceHealth, ServiceRecordStore } from '../../store/job-store';
import type { DispatchSpec } from '../../transport/protocol';
import { buildCommand, jobEnvironment, type HostEnvironment } from '../command/build-command';
import { expandEnv } from '../command/expand-env';
import type { RunnerSpec, Service, ServiceTest } from '../service';
import type { ServiceCatalog } from '../service-catalog';
import { newTestRunId, type TestRunOutcome } from './test-run-outcome';
import { timerDelayMs } from '../../lifecycle/long-timer';

export interface MonitorOptions {
  /** How often due tests are looked for (slivka: 300 s). */
  pollIntervalMs: number;
  jobsDirectory: string;
  host: HostEnvironment;
  /** Maps a runner type to the agent kind that runs it; undefined: no agent can. */
  runnerKind: (type: string) => string | undefined;
}

type Verdict = { status: ServiceHealth; message: string };

const SEVERITY: Record<ServiceHealth, number> = { OK: 0, WARNING: 1, DOWN: 2 };

export type RunTest = (
  spec: DispatchSpec,
  kind: string,
  timeoutMs: number,
) => Promise<TestRunOutcome>;

/** slivka's mapping of a test's end to a status. */
export function testVerdict(outcome: TestRunOutcome): { status: ServiceHealth; message: string } {
  if (outcome.kind === 'timeout') return { status: 'WARNING', message: 'timeout' };
  if (outcome.kind === 'not-started') return { status: 'DOWN', message: outcome.reason };
  if (outcome.state === 'COMPLETED') return { status: 'OK', message: '' };
  if (outcome.state === 'INTERRUPTED' || outcome.state === 'DELETED') {
    return { status: 'WARNING', message: 'removed from the scheduling system' };
  }
  const detail = outcome.reason ? ` (${outcome.state}: ${outcome.reason})` : ` (${outcome.state})`;
  return { status: 'DOWN', message: `completed unsuccessfully${detail}` };
}

/**
 * Runs each service's `tests` on their runners every `interval` seconds (all are due at start)
 * and records the outcome; the API shows the worst current one as the service status.
 */
export class ServiceMonitor {
  private readonly lastStarted = new Map<string, number>();
  /** The service revision each test last ran for: an edited file is tested again at once. */
  private readonly startedRevision = new Map<string, string>();
  private readonly running = new Set<string>();
  private readonly latest = new Map<string, { revision: string; verdict: Verdict }>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly catalog: ServiceCatalog,
    private readonly store: ServiceRecordStore,
    private readonly runTest: RunTest,
    private readonly options: MonitorOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    void this.poll();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Starts every due test; resolves when those tests have finished and been recorded. */
  async poll(now = Date.now()): Promise<void> {
    const started: Promise<void>[] = [];
    for (const service of this.catalog.list()) {
      for (const [index, test] of service.tests.entries()) {
        for (const runnerId of test.applicableRunners) {
          const key = `${service.id}\u0000${index}\u0000${runnerId}`;
          const last = this.lastStarted.get(key);
          if (this.running.has(key)) continue;
          const edited = this.startedRevision.get(key) !== service.revision;
          if (!edited && last !== undefined && now - last < test.intervalSeconds * 1000) continue;
          const runner = service.runners.find((r) => r.id === runnerId);
          if (!runner) continue;
          this.lastStarted.set(key, now);
          this.startedRevision.set(key, service.revision);
          this.running.add(key);
          started.push(this.runOne(service, index, runner).finally(() => this.running.delete(key)));
        }
      }
    }
    if (!this.stopped) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.poll(), timerDelayMs(this.options.pollIntervalMs));
    }
    await Promise.all(started);
  }

  private async runOne(service: Service, index: number, runner: RunnerSpec): Promise<void> {
    let verdict: Verdict;
    try {
      verdict = testVerdict(await this.execute(service, service.tests[index], runner));
    } catch (error) {
      verdict = { status: 'DOWN', message: (error as Error).message };
    }
    this.log.info(
      { service: service.id, runner: runner.id, test: index, ...verdict },
      'service test finished',
    );
    verdict = this.worstForRunner(service, runner.id, index, verdict);
    try {
      await this.store.recordServiceStatus({
        service: service.id,
        runner: runner.id,
        ...verdict,
        recordedAt: new Date(),
      });
    } catch (error) {
      this.log.warn({ err: error, service: service.id }, 'cannot record a service test outcome');
    }
  }

  /**
   * slivka let several tests of one runner overwrite each other's status; Damson records the
   * worst latest outcome among them, so a passing test cannot hide a failing one.
   */
  private worstForRunner(service: Service, runnerId: string, index: number, verdict: Verdict) {
    const key = (i: number) => `${service.id}\u0000${runnerId}\u0000${i}`;
    this.latest.set(key(index), { revision: service.revision, verdict });
    let worst = verdict;
    for (const [i, test] of service.tests.entries()) {
      if (i === index || !test.applicableRunners.includes(runnerId)) continue;
      const other = this.latest.get(key(i));
      if (other?.revision !== service.revision) continue;
      if (SEVERITY[other.verdict.status] > SEVERITY[worst.status]) {
        worst = { ...other.verdict, message: `test ${i + 1}: ${other.verdict.message}` };
      }
    }
    const shared = service.tests.filter((t) => t.applicableRunners.includes(runnerId)).length > 1;
    if (worst === verdict && shared && verdict.message) {
      return { ...verdict, message: `test ${index + 1}: ${verdict.message}` };
    }
    return worst;
  }

  private async execute(
    service: Service,
    test: ServiceTest,
    runner: RunnerSpec,
  ): Promise<TestRunOutcome> {
    const kind = this.options.runnerKind(runner.type);
    if (!kind)
      return { kind: 'not-started', reason: `runner type '${runner.type}' is not supported` };
    // Test values are command-line values, not form input: environment references are expanded
    // (slivka did this at load time) and nothing is validated.
    const env = jobEnvironment(service, runner, this.options.host);
    const inputs: Record<string, string | string[]> = {};
    for (const [id, value] of Object.entries(test.parameters)) {
      inputs[id] = Array.isArray(value)
        ? value.map((v) => expandEnv(v, env))
        : expandEnv(value, env);
    }
    const command = buildCommand(service, runner, inputs, this.options.host);
    const jobId = newTestRunId();
    const spec: DispatchSpec = {
      jobId,
      fencingToken: 0,
      service: service.id,
      runner: runner.id,
      runnerType: runner.type,
      runnerParameters: runner.parameters,
      argv: command.argv,
      env: command.env,
      cwd: path.join(this.options.jobsDirectory, '.service-tests', jobId),
      links: command.links,
      timeoutMs: null,
    };
    const outcome = await this.runTest(spec, kind, test.timeoutSeconds * 1000);
    // A test that timed out may still be stopping; its directory stays for a post-mortem.
    if (outcome.kind !== 'timeout') await rm(spec.cwd, { recursive: true, force: true });
    return outcome;
  }
}
