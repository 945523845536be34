/**
 * Settings of live job output: output event streams (`/files/{path}/events`) and progress.
 * Merged into the API settings (api-settings.ts).
 */
export interface FileEventLimits {
  /** Open output event streams of one job on one server. */
  maxPerJob: number;
  /** Open output event streams on one server. */
  maxTotal: number;
  /** How often an open stream looks for new bytes when no file-change notice came, in ms. */
  pollIntervalMs: number;
}

export interface LiveOutputSettings {
  fileEvents: FileEventLimits;
  /** Least time between two progress readings of one job, in ms (so at most 1000/x pushes/s). */
  progressIntervalMs: number;
}

export const liveOutputSettingsProperties = {
  'api.file-events.max-per-job': { type: 'integer', minimum: 1, maximum: 100000 },
  'api.file-events.max-connections': { type: 'integer', minimum: 1, maximum: 100000 },
  'api.file-events.poll-interval': { type: 'integer', minimum: 50, maximum: 60000 },
  'api.progress.interval': { type: 'integer', minimum: 100, maximum: 60000 },
} as const;

export function buildLiveOutputSettings(flat: Record<string, unknown>): LiveOutputSettings {
  const int = (key: string, fallback: number): number =>
    (flat[key] as number | undefined) ?? fallback;
  return {
    fileEvents: {
      maxPerJob: int('api.file-events.max-per-job', 64),
      maxTotal: int('api.file-events.max-connections', 1024),
      pollIntervalMs: int('api.file-events.poll-interval', 500),
    },
    progressIntervalMs: int('api.progress.interval', 500),
  };
}
