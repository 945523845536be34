import path from 'node:path';
import type { ApiSettings } from './api-settings';
import type { WebhookSettings } from './webhook-settings';
import type { RetentionExtras } from './retention-settings';
import type { MetricsSettings } from './metrics-settings';
import type { RunnerKind } from '../jobs/runner-kind';

/** Milliseconds per agent kind. */
export type LostJobGrace = Readonly<Record<RunnerKind, number>>;

/** Settings after validation, with every directory resolved to an absolute path. */
export interface Settings {
  /** The project directory (DAMSON_HOME, SLIVKA_HOME or the working directory). */
  home: string;
  /** The file the settings came from, or null when defaults were used. */
  file: string | null;
  version: string;
  directories: {
    uploads: string;
    jobs: string;
    logs: string;
    services: string;
    /** Pipeline templates (`*.pipeline.yaml`); by default `pipelines` next to the services. */
    pipelines: string;
    data: string;
  };
  server: {
    host: string;
    port: number;
    uploadsPath: string;
    jobsPath: string;
    prefix: string;
    /** `app`: the server sends output bytes itself; `proxy`: nginx does. */
    media: 'app' | 'proxy';
    maxFileBytes: number;
    maxFiles: number;
    maxFields: number;
    maxFieldBytes: number;
    /** Text bytes held for one request, all fields together (a JSON body counts whole). */
    maxTextBytes: number;
  };
  scheduler: {
    /** Where the scheduler's ROUTER listens for agents (slivka's `local-queue.host`). */
    agentsAddress: string;
    /** Where the scheduler listens for best-effort wake-ups from servers. */
    wakeAddress: string;
    /** Where the scheduler announces, best effort, that job states changed (servers subscribe). */
    changesAddress: string;
    /** Fallback poll of the store when no wake-up arrives. */
    pollIntervalMs: number;
    leaseMs: number;
    heartbeatIntervalMs: number;
    /**
     * Default run time limit (24 h unless set; `scheduler.timeout: 0` gives null, no limit). A
     * service's `execution.timeout` overrides it.
     */
    timeoutSeconds: number | null;
    /** Default retries for attempts lost to infrastructure; a service's `execution.retries` overrides it. */
    retries: number;
    /** No service may retry more often than this. */
    maxRetries: number;
    /**
     * Per agent kind: how long the jobs of an agent that is away (lost, or stopped saying its jobs
     * go on) wait for it to return before they are written off and retried.
     */
    lostJobGraceMs: LostJobGrace;
    breaker: BreakerSettings;
  };
  /** Agent link security: CURVE keys live in a private directory, created on first local run. */
  link: {
    keysDirectory: string;
    /** `curve` (default): authenticated on every address; `none`: open, for development only. */
    security: 'curve' | 'none';
  };
  localAgent: {
    slots: number;
    /** Bytes a job may write to stdout and stderr together before it is stopped. */
    outputQuotaBytes: number;
  };
  store: StoreSettings;
  retention: {
    /** Finished jobs are deleted with their files after this many days; null keeps them. */
    finishedJobDays: number | null;
    /** Uploads no unfinished job uses are deleted this many days after upload; null keeps them. */
    uploadDays: number | null;
    /** Files in the uploads directory without a record, unchanged this long, are removed. */
    orphanAgeMs: number;
    sweepIntervalMs: number;
  } & RetentionExtras;
  /** How `damson start` restarts a child process that exited. */
  supervisor: {
    restartDelayMs: number;
    maxRestartDelayMs: number;
    stableAfterMs: number;
    /** `damson start`: server, scheduler and local agent in one child, or one child each. */
    processes: 'combined' | 'separate';
  };
  logLevel: string;
  /** Damson's REST API extras (long-poll, rate limits, tokens, per-service upload limits). */
  api: ApiSettings;
  webhooks: WebhookSettings;
  metrics: MetricsSettings;
}

export interface BreakerSettings {
  /** Consecutive infrastructure failures within the window that open the breaker. */
  failures: number;
  windowMs: number;
  /** First wait before a probe; doubles on each failed probe, with jitter, up to the maximum. */
  backoffMs: number;
  maxBackoffMs: number;
}

export type StoreSettings =
  { kind: 'sqlite'; file: string } | { kind: 'mongodb'; url: string; database: string };

export function resolveIn(home: string, p: string): string {
  return path.resolve(home, p);
}
