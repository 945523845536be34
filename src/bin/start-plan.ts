import { loadSettings } from '../config/load-settings';
import { ensureLocalKeys } from '../transport/link-security';

/**
 * What `damson start`'s supervisor needs from the settings, and no more. A short-lived child
 * (`damson start-plan`) loads and validates the settings, creates the link keys, and prints this
 * as one JSON line: the supervisor, which then runs for as long as Damson does, never loads the
 * schema validator, the YAML parser or ZeroMQ.
 */
export interface StartPlan {
  processes: 'combined' | 'separate';
  restartDelayMs: number;
  maxRestartDelayMs: number;
  stableAfterMs: number;
  logLevel: string;
  url: string;
  /** Key files created now (first start), for the supervisor's log. */
  createdKeys: string[];
  /** link.security is none: the supervisor warns once. */
  openLink: boolean;
}

/** Runs in the `start-plan` child: settings validated, keys made before any role starts. */
export function makeStartPlan(): StartPlan {
  const settings = loadSettings();
  // Before any role starts: the scheduler and the local agent then share one set of keys.
  const curve = settings.link.security === 'curve';
  return {
    processes: settings.supervisor.processes,
    restartDelayMs: settings.supervisor.restartDelayMs,
    maxRestartDelayMs: settings.supervisor.maxRestartDelayMs,
    stableAfterMs: settings.supervisor.stableAfterMs,
    logLevel: settings.logLevel,
    url: `http://${settings.server.host}:${settings.server.port}${settings.server.prefix}/`,
    createdKeys: curve ? ensureLocalKeys(settings.link.keysDirectory) : [],
    openLink: !curve,
  };
}
