import { Gauge, type Counter, type Histogram, type Registry } from 'prom-client';
import { metricFamilies } from '../lifecycle/metric-families';
import { isFinished, type Job } from '../jobs';
import type { BreakerState, TransitionRequest } from '../store/job-store';
import type { JobCount } from '../store/operations-records';
import type { DispatchSpec } from '../transport/protocol';
import type { AgentInfo } from './agent-link';
import type { WriteObserver } from './write-batcher';

/** What the scheduler calls: every state write and every dispatch. */
export type SchedulerHooks = WriteObserver & Pick<SchedulerMetrics, 'dispatched'>;

/** Seconds: from a second to a day (queue waits and run times of scientific tools). */
const JOB_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];
const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export interface SchedulerMetricsSources {
  /** Jobs per service and state, straight from the store (a grouped count). */
  jobCounts: () => Promise<JobCount[]>;
  /** The job counts are re-read at most this often, whatever the number of scrapes. */
  jobCountsIntervalMs: number;
  breakers: () => { service: string; runner: string; state: BreakerState }[];
  agents: () => AgentInfo[];
}

/**
 * The scheduler's metrics. Label values are service ids and runner ids of jobs the store accepted
 * (validated against the catalog at submission) and agent names the link admitted; never a job id.
 */
export class SchedulerMetrics implements WriteObserver {
  private readonly dispatches: Counter<'service' | 'runner'>;
  private readonly lost: Counter<'service' | 'runner'>;
  private readonly retries: Counter<'service'>;
  private readonly finished: Counter<'service' | 'state'>;
  private readonly queueWait: Histogram<'service' | 'runner'>;
  private readonly runTime: Histogram<'service' | 'runner'>;
  private counts: { at: number; rows: Promise<JobCount[]> } | null = null;

  constructor(
    readonly registry: Registry,
    private readonly sources: SchedulerMetricsSources,
  ) {
    const registers = [registry];
    const families = metricFamilies(registry);
    this.dispatches = families.counter(
      'damson_dispatches_total',
      'Jobs sent to an agent (each attempt once; resends not counted), by service and runner',
      ['service', 'runner'],
    );
    this.lost = families.counter(
      'damson_lost_attempts_total',
      'Attempts lost to infrastructure (agent gone, job vanished from the engine), by service and runner',
      ['service', 'runner'],
    );
    this.retries = families.counter(
      'damson_retries_total',
      'Lost attempts given another try (the job back to PENDING), by service',
      ['service'],
    );
    this.finished = families.counter(
      'damson_jobs_finished_total',
      'Jobs this scheduler moved to a finished state, by service and state',
      ['service', 'state'],
    );
    this.queueWait = families.histogram(
      'damson_queue_wait_seconds',
      'From submission (or its not-before time) to RUNNING, by service and runner',
      ['service', 'runner'],
      JOB_BUCKETS,
    );
    this.runTime = families.histogram(
      'damson_run_seconds',
      'From RUNNING to a finished state, by service and runner',
      ['service', 'runner'],
      JOB_BUCKETS,
    );
    this.jobGauge(registers);
    this.breakerGauge(registers);
    this.slotGauge(registers);
  }

  private jobGauge(registers: Registry[]): void {
    const counts = (): Promise<JobCount[]> => this.jobCounts();
    new Gauge({
      name: 'damson_jobs',
      help: 'Jobs in the store, by service and state (re-read at most every metrics.job-counts-interval)',
      labelNames: ['service', 'state'],
      registers,
      async collect() {
        const rows = await counts();
        this.reset();
        for (const row of rows) this.set({ service: row.service, state: row.state }, row.count);
      },
    });
  }

  private breakerGauge(registers: Registry[]): void {
    const sources = this.sources;
    new Gauge({
      name: 'damson_breaker_state',
      help: 'Circuit breaker of each runner: 0 closed, 1 half-open (probing), 2 open',
      labelNames: ['service', 'runner'],
      registers,
      collect() {
        this.reset();
        for (const b of sources.breakers())
          this.set({ service: b.service, runner: b.runner }, BREAKER_VALUE[b.state]);
      },
    });
  }

  private slotGauge(registers: Registry[]): void {
    const sources = this.sources;
    new Gauge({
      name: 'damson_agent_slots',
      help: 'Slots of each connected agent, busy (holding a job) or free',
      labelNames: ['agent', 'state'],
      registers,
      collect() {
        this.reset();
        for (const agent of sources.agents()) {
          const busy = Math.min(agent.jobs.size, agent.slots);
          this.set({ agent: agent.name, state: 'busy' }, busy);
          this.set({ agent: agent.name, state: 'free' }, agent.slots - busy);
        }
      },
    });
  }

  /** One grouped count per interval, shared by every scrape in it (and by concurrent scrapes). */
  private jobCounts(): Promise<JobCount[]> {
    const now = Date.now();
    if (!this.counts || now - this.counts.at >= this.sources.jobCountsIntervalMs) {
      const rows = this.sources.jobCounts();
      this.counts = { at: now, rows };
      // A failed count is not kept: the next scrape asks again.
      rows.catch(() => {
        if (this.counts?.rows === rows) this.counts = null;
      });
    }
    return this.counts.rows;
  }

  /** A job was sent to an agent. */
  dispatched(spec: DispatchSpec): void {
    this.dispatches.inc({ service: spec.service, runner: spec.runner });
  }

  /** A state write the store accepted (`job` is the job after it), or refused (`job` null). */
  written(change: TransitionRequest, job: Job | null): void {
    if (!job) return;
    const labels = { service: job.service, runner: job.runner ?? 'none' };
    if (change.patch?.lost) {
      this.lost.inc(labels);
      if (job.state === 'PENDING') this.retries.inc({ service: job.service });
    }
    if (change.to === 'RUNNING' && job.state === 'RUNNING') {
      const since = Math.max(job.submittedAt.getTime(), job.notBefore?.getTime() ?? 0);
      const startedAt = lastEntry(job, 'RUNNING') ?? Date.now();
      this.queueWait.observe(labels, Math.max(0, startedAt - since) / 1000);
    }
    if (isFinished(job.state) && change.to === job.state) {
      this.finished.inc({ service: job.service, state: job.state });
      const startedAt = lastEntry(job, 'RUNNING');
      const endedAt = job.completedAt?.getTime() ?? Date.now();
      if (startedAt !== null) this.runTime.observe(labels, Math.max(0, endedAt - startedAt) / 1000);
    }
  }
}

function lastEntry(job: Job, state: Job['state']): number | null {
  for (let i = job.history.length - 1; i >= 0; i--)
    if (job.history[i].state === state) return job.history[i].at.getTime();
  return null;
}
