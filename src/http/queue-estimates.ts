import { completedRun, isAwaitingClaim, type CompletedRun, type Job } from '../jobs';
import type { JobRecords } from '../store/job-store';

/** Where a job awaiting a claim stands: both are estimates (see docs/api.md). */
export interface QueueEstimate {
  /** Jobs of the same service a claim takes first, at most POSITION_CAP. */
  queuePosition: number;
  /** When it may start, from recent run times; null when the service has none to go by. */
  estimatedStart: Date | null;
  /** Why it waits beyond its turn: an administrator paused its service or runner. */
  heldReason?: string;
}

export interface QueueEstimateOptions {
  /** How long one job's position is reused: many clients poll the same job. */
  positionCacheMs: number;
  /** How long a service's run statistics are reused. */
  runStatsCacheMs: number;
  /** How many of a service's latest jobs the statistics read. */
  runWindow: number;
  /** Why a job is held (a pause), or null. */
  holdReason?: (job: Job) => Promise<string | null>;
}

/** Positions are counted no further: beyond it a count costs more than the number says. */
export const POSITION_CAP = 10_000;
/** Cached positions are dropped all at once past this many jobs. */
const MAX_CACHED_POSITIONS = 10_000;

const DEFAULT_OPTIONS: QueueEstimateOptions = {
  positionCacheMs: 1000,
  runStatsCacheMs: 30_000,
  runWindow: 50,
};

interface RunStats {
  averageRunMs: number;
  /** How many of the recent runs overlapped at most: the parallelism the service has had. */
  slots: number;
}

interface Cached<T> {
  at: number;
  value: T;
}

/**
 * Queue positions and start estimates, cheap enough for every status request: a position is one
 * indexed count (reused for a second per job), and a service's run statistics are read from its
 * latest `runWindow` jobs at most every `runStatsCacheMs`.
 */
export class QueueEstimates {
  private readonly positions = new Map<string, Cached<number>>();
  private readonly stats = new Map<string, Cached<RunStats | null>>();
  private readonly options: QueueEstimateOptions;

  constructor(
    private readonly store: JobRecords,
    options: Partial<QueueEstimateOptions> = {},
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  /** The estimate of a job awaiting a claim (PENDING or delayed); null for any other job. */
  async forJob(job: Job, nowMs = Date.now()): Promise<QueueEstimate | null> {
    if (!isAwaitingClaim(job)) return null;
    const [queuePosition, stats, heldReason] = await Promise.all([
      this.position(job, nowMs),
      this.runStats(job.service, nowMs),
      this.options.holdReason?.(job) ?? null,
    ]);
    const estimatedStart = heldReason ? null : estimateStart(job, queuePosition, stats, nowMs);
    return { queuePosition, estimatedStart, ...(heldReason ? { heldReason } : {}) };
  }

  private async position(job: Job, nowMs: number): Promise<number> {
    const cached = this.positions.get(job.id);
    if (cached && nowMs - cached.at < this.options.positionCacheMs) return cached.value;
    const value = await this.store.queuePosition(job, POSITION_CAP);
    if (this.positions.size >= MAX_CACHED_POSITIONS) this.positions.clear();
    this.positions.set(job.id, { at: nowMs, value });
    return value;
  }

  private async runStats(service: string, nowMs: number): Promise<RunStats | null> {
    const cached = this.stats.get(service);
    // A service without a completed run is asked again soon: its first run makes the estimate.
    const ttlMs = cached?.value ? this.options.runStatsCacheMs : this.options.positionCacheMs;
    if (cached && nowMs - cached.at < ttlMs) return cached.value;
    const histories = await this.store.recentHistories(service, this.options.runWindow);
    const runs = histories.flatMap((h) => completedRun(h) ?? []);
    const value = summariseRuns(runs);
    this.stats.set(service, { at: nowMs, value });
    return value;
  }
}

/** Mean run time and the most runs that overlapped; null without a completed run. */
export function summariseRuns(runs: CompletedRun[]): RunStats | null {
  if (runs.length === 0) return null;
  const total = runs.reduce((sum, r) => sum + (r.completedAt.getTime() - r.startedAt.getTime()), 0);
  const edges = runs
    .flatMap((r) => [
      { at: r.startedAt.getTime(), step: 1 },
      { at: r.completedAt.getTime(), step: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.step - b.step);
  let running = 0;
  let slots = 1;
  for (const edge of edges) {
    running += edge.step;
    slots = Math.max(slots, running);
  }
  return { averageRunMs: Math.max(0, total / runs.length), slots };
}

/**
 * The jobs ahead run `slots` at a time for the average run time each: the job starts once the
 * rounds before its own are done, and never before its not-before time.
 */
export function estimateStart(
  job: Pick<Job, 'notBefore'>,
  queuePosition: number,
  stats: RunStats | null,
  nowMs: number,
): Date | null {
  if (!stats) return null;
  const rounds = Math.floor(queuePosition / stats.slots);
  const fromQueue = nowMs + rounds * stats.averageRunMs;
  return new Date(Math.max(fromQueue, job.notBefore?.getTime() ?? 0));
}
