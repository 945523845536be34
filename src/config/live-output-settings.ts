import { settingOr } from './setting-declarations';

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

export function buildLiveOutputSettings(flat: Record<string, unknown>): LiveOutputSettings {
  return {
    fileEvents: {
      maxPerJob: settingOr<number>(flat, 'api.file-events.max-per-job'),
      maxTotal: settingOr<number>(flat, 'api.file-events.max-connections'),
      pollIntervalMs: settingOr<number>(flat, 'api.file-events.poll-interval'),
    },
    progressIntervalMs: settingOr<number>(flat, 'api.progress.interval'),
  };
}
