import path from 'node:path';
import type { ApiSettings } from './api-settings';

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
  };
  scheduler: {
    /** Where the scheduler's ROUTER listens for agents (slivka's `local-queue.host`). */
    agentsAddress: string;
    /** Where the scheduler listens for best-effort wake-ups from servers. */
    wakeAddress: string;
    /** Fallback poll of the store when no wake-up arrives. */
    pollIntervalMs: number;
    leaseMs: number;
    heartbeatIntervalMs: number;
  };
  localAgent: {
    slots: number;
  };
  store: StoreSettings;
  logLevel: string;
  /** Damson's REST API extras (long-poll, rate limits, tokens, per-service upload limits). */
  api: ApiSettings;
}

export type StoreSettings =
  { kind: 'sqlite'; file: string } | { kind: 'mongodb'; url: string; database: string };

export function resolveIn(home: string, p: string): string {
  return path.resolve(home, p);
}
